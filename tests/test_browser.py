"""The kiosk in Chromium, as on a library's touch screen: `faelles kiosk --web` for real.

The browser is given one plain Latin font of the machine's and nothing else, so
whatever else it draws (the monospace text, the rating faces) must come from the
fonts the kiosk server sends.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
from contextlib import suppress
from pathlib import Path

import pytest

from kiosk.screens.feedback import FACES
from kiosk.web import missing_font_packages
from kiosk_page import CHROMIUM, KioskPage, serve_kiosk
from shared.i18n import language_name, translator

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Debian's chromium (apt-get install chromium)")
sync_api = pytest.importorskip("playwright.sync_api")

LOCATION = "Kerteminde Bibliotek"
FULL_HD = {"width": 1920, "height": 1080}
# A Latin font without emoji or Arabic: the one font the browser may find by itself.
PLAIN_FONTS = ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
               "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_ = translator("da").gettext
ROOT = Path(__file__).resolve().parent.parent
# axe-core from the npm registry: .ci/run installs it (npm install axe-core).
AXE = Path(os.environ.get("AXE_CORE_JS", ROOT / "node_modules/axe-core/axe.min.js"))
# A kiosk plays what it reads aloud without a touch first, as Chromium does when
# started so (the README's chromium --kiosk command). Said here, not left to the
# defaults Playwright starts Chromium with, which happen to allow it too.
CHROMIUM_ARGS = ["--autoplay-policy=no-user-gesture-required"]


def only_a_plain_font(folder: Path) -> dict:
    """Return environment for a browser whose fontconfig knows one plain font."""
    plain = next((font for font in PLAIN_FONTS if Path(font).is_file()), None)
    if plain is None:
        pytest.skip("needs fonts-noto-core or fonts-dejavu-core for the browser's own font")
    (folder / "fonts").mkdir(parents=True)
    (folder / "fonts" / Path(plain).name).symlink_to(plain)
    config = folder / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                      f"<fontconfig><dir>{folder / 'fonts'}</dir>"
                      f"<cachedir>{folder / 'cache'}</cachedir></fontconfig>\n")
    return {**os.environ, "FONTCONFIG_FILE": str(config)}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-kiosk")
    with serve_kiosk(folder / "faelles.db") as running:
        running.db_path = folder / "faelles.db"
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    env = only_a_plain_font(tmp_path_factory.mktemp("browser-fonts"))
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, env=env,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def kiosk(browser, server):
    """Return a KioskPage in a 1920x1080 touch screen's browser, not yet opened."""
    context = browser.new_context(viewport=FULL_HD, has_touch=True)
    yield KioskPage(context.new_page())
    context.close()


def home_url(server, location=LOCATION) -> str:
    from urllib.parse import quote

    return f"{server.url}/?location={quote(location)}"


def feedback_rows(db_path: Path) -> list[tuple]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return db.execute("SELECT kind, rating, text, channel, location FROM feedback "
                          "WHERE channel = 'kiosk' ORDER BY id").fetchall()


def test_home_fills_a_full_hd_screen_in_big_type_from_this_server_only(kiosk, server,
                                                                       tmp_path):
    asked = []
    kiosk.page.on("request", lambda request: asked.append(request.url))
    kiosk.open(home_url(server))
    kiosk.wait_for(_("Welcome to Fælles"))
    kiosk.wait_for(LOCATION)
    size = kiosk.terminal_size()
    assert size["font_size"] >= 24
    assert size["columns"] >= 80 and size["rows"] >= 24
    # One row of a list is one cell: a finger needs 44 CSS pixels.
    assert size["cell_height"] >= 44
    # The page fills the screen: less than one cell is left over each way.
    assert size["columns"] * size["cell_width"] > FULL_HD["width"] - size["cell_width"]
    assert size["rows"] * size["cell_height"] > FULL_HD["height"] - size["cell_height"]
    assert all(url.startswith(server.url + "/") for url in asked), asked
    kiosk.page.screenshot(path=tmp_path / "home.png")


def test_the_rating_faces_are_drawn_in_colour_from_the_served_font(kiosk, server, tmp_path):
    if missing := missing_font_packages():
        pytest.skip(f"the kiosk server has no fonts to send: apt-get install {' '.join(missing)}")
    kiosk.open(home_url(server))
    kiosk.tap(_("3  Praise, complaints and ideas"))
    kiosk.tap(_("Praise (ros)"))
    kiosk.wait_for(f"{FACES[5]} 5")
    kiosk.page.screenshot(path=tmp_path / "rating.png")
    # Skip has the focus (a yellow button); no face has it.
    for value in (1, 2, 4):
        assert kiosk.coloured_share(FACES[value]) > 0.1, kiosk.screen_text()
    assert kiosk.coloured_share(_("← Back")) < 0.01  # white letters on blue are not


def test_feedback_given_by_touch_is_stored_with_the_page_location(kiosk, server):
    kiosk.open(home_url(server))
    kiosk.tap(_("3  Praise, complaints and ideas"))
    kiosk.tap(_("Praise (ros)"))
    kiosk.tap(f"{FACES[4]} 4")
    kiosk.wait_for(_("Write it here, in your own words."))
    kiosk.page.keyboard.type("Bænken ved havnen er rar at sidde på")  # the screen keyboard
    # A tap goes straight to the button it hits: let every letter land first.
    kiosk.wait_for("Bænken ved havnen er rar at sidde på")
    kiosk.tap(_("Next"))
    kiosk.tap(_("Send"))
    kiosk.wait_for(_("Thank you! A coordinator will read it."))
    assert ("ros", 4, "Bænken ved havnen er rar at sidde på", "kiosk", LOCATION) \
        in feedback_rows(server.db_path)


def test_feedback_given_by_keyboard_only(kiosk, server):
    kiosk.open(home_url(server, "Munkebo Bibliotek"))
    kiosk.wait_for(_("Welcome to Fælles"))
    keys = kiosk.page.keyboard  # no tap, no click: the page gives the kiosk the focus
    keys.press("3")
    kiosk.wait_for(_("What would you like to tell us?"))
    keys.press("Tab")  # from Praise to Complaint
    kiosk.wait_for_focus(_("Complaint (ris)"))
    keys.press("Enter")
    kiosk.wait_for(f"{FACES[1]} 1")
    kiosk.wait_for_focus(_("Skip"))  # Enter here gives no rating, never the worst
    keys.press("2")  # the face numbered 2
    kiosk.wait_for(_("Write it here, in your own words."))
    keys.type("Der mangler lys på stien")
    keys.press("Tab")
    kiosk.wait_for_focus(_("Next"))
    keys.press("Enter")
    kiosk.wait_for(_("Which town is it about? (optional)"))
    keys.press("Tab")  # past the town, to the number
    keys.press("Tab")  # and past the phone number: this feedback stays anonymous
    kiosk.wait_for_focus(_("Send"))
    keys.press("Enter")
    kiosk.wait_for(_("Thank you! A coordinator will read it."))
    assert ("ris", 2, "Der mangler lys på stien", "kiosk", "Munkebo Bibliotek") \
        in feedback_rows(server.db_path)


def test_large_text_makes_the_type_bigger_and_back(kiosk, server):
    kiosk.open(home_url(server))
    kiosk.wait_for(_("Welcome to Fælles"))
    normal = kiosk.terminal_size()
    kiosk.page.keyboard.press("F2")  # as the "Large text" button does
    kiosk.page.wait_for_function("() => window.location.hash === '#text-large'")
    kiosk.page.wait_for_function(
        f"() => window.kioskTerminal.cols < {normal['columns']}", timeout=10000)
    large = kiosk.terminal_size()
    assert large["font_size"] > normal["font_size"] * 1.2
    kiosk.wait_for(f"┃ {_('Large text')} ┃")  # redrawn at the new size, the switch on
    kiosk.page.keyboard.press("F2")
    kiosk.page.wait_for_function("() => window.location.hash === '#text-normal'")
    kiosk.page.wait_for_function(
        f"() => window.kioskTerminal.cols === {normal['columns']}", timeout=10000)
    assert kiosk.terminal_size()["font_size"] == normal["font_size"]


def test_a_session_that_ends_starts_again_without_a_touch(kiosk, server):
    sockets = []
    kiosk.page.on("websocket", lambda socket: sockets.append(socket))
    kiosk.open(home_url(server))
    kiosk.wait_for(_("Welcome to Fælles"))
    kiosk.page.evaluate("() => { window.firstSession = true; }")
    first, spare = server.wait_for_kiosks(2)  # the page's, and the next page's spare
    os.kill(first, signal.SIGKILL)  # the kiosk process is gone, as after a crash
    kiosk.page.wait_for_function("() => window.firstSession === undefined", timeout=60_000)
    kiosk.wait_for(_("Welcome to Fælles"))
    assert len(sockets) == 2
    second, _next_spare = server.wait_for_kiosks(2)
    assert second == spare  # the new session began on the kiosk started before it


def test_a_screen_with_no_session_free_says_so_and_starts_when_one_is(browser, tmp_path):
    from urllib.request import urlopen

    busy = _("The kiosk is busy. This screen will try again by itself in a moment.")
    with serve_kiosk(tmp_path / "faelles.db", "--max-sessions", "1") as server:
        url = home_url(server)
        with urlopen(url) as answer:  # the kiosk's page, while there is room
            page_while_free = answer.read()
        first = browser.new_context(viewport=FULL_HD, has_touch=True)
        second = browser.new_context(viewport=FULL_HD, has_touch=True)
        try:
            taken = KioskPage(first.new_page())
            taken.open(url)
            taken.wait_for(_("Welcome to Fælles"))
            # The second screen got its page just before the last session was taken:
            # its websocket is refused, and the page must neither hammer the server
            # nor leave a dead screen.
            waiting = KioskPage(second.new_page())
            asked = []

            def page_from_just_before(route):
                asked.append(route.request.url)
                if len(asked) == 1:
                    route.fulfill(status=200, content_type="text/html", body=page_while_free)
                else:
                    route.continue_()

            waiting.page.route(lambda address: address.startswith(f"{server.url}/?"),
                               page_from_just_before)
            waiting.open(url)
            waiting.page.wait_for_function(f"() => document.body.innerText.includes({busy!r})",
                                           timeout=60_000)
            # The busy page asks again by itself, not in a loop of the page's own.
            assert 'http-equiv="refresh"' in waiting.page.content()
            # The old page, its check, the busy page (and its first refresh, on a slow day).
            assert len(asked) <= 4, asked

            first.close()  # the session comes free: the waiting screen takes it
            waiting.wait_for(_("Welcome to Fælles"), timeout=90_000)
            assert len(server.kiosk_pids()) == 1
        finally:
            second.close()
            with suppress(Exception):
                first.close()


def test_a_location_in_the_address_is_shown_as_plain_text(kiosk, server):
    kiosk.open(home_url(server, "Rådhuset [b]\x1b[31m\n" + "x" * 200))
    kiosk.wait_for("Rådhuset [b] xxx")  # not bold, not red, on one line
    assert "x" * 48 not in kiosk.screen_text()  # at most 60 characters in all


def test_a_browser_that_goes_full_screen_late_gets_the_bigger_type(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, has_touch=True)
    kiosk = KioskPage(context.new_page())
    try:
        kiosk.open(home_url(server))
        kiosk.wait_for(_("Welcome to Fælles"))
        small = kiosk.terminal_size()["font_size"]
        kiosk.page.evaluate("() => { window.beforeFullScreen = true; }")
        kiosk.page.set_viewport_size(FULL_HD)
        kiosk.page.wait_for_function("() => window.beforeFullScreen === undefined",
                                     timeout=60_000)
        kiosk.wait_for(_("Welcome to Fælles"))
        assert kiosk.terminal_size()["font_size"] > small
    finally:
        context.close()


AUDIO_STATE = """() => {
  const audio = document.getElementById("speech");
  return {src: audio.src, started: Number(audio.dataset.started || 0), paused: audio.paused,
          duration: audio.duration, time: audio.currentTime};
}"""


@pytest.mark.skipif(shutil.which("espeak-ng") is None,
                    reason="needs espeak-ng on the server (apt-get install espeak-ng)")
def test_what_the_kiosk_reads_aloud_plays_on_the_page(kiosk, server):
    kiosk.open(home_url(server))
    kiosk.wait_for(_("Read aloud"))  # offered: the server has espeak-ng
    kiosk.page.keyboard.press("F3")  # as the "Read aloud" button does
    kiosk.page.wait_for_function(
        "() => Number(document.getElementById('speech').dataset.started || 0) > 0",
        timeout=20000)
    kiosk.page.wait_for_function(
        "() => document.getElementById('speech').currentTime > 0", timeout=20000)
    playing = kiosk.page.evaluate(AUDIO_STATE)
    assert "/speech/" in playing["src"] and not playing["paused"]
    assert playing["duration"] > 1  # Home, read from the top
    answer = kiosk.page.request.get(playing["src"])
    assert answer.ok and answer.headers["content-type"] == "audio/wav"
    assert answer.body()[:4] == b"RIFF"
    # Another page cannot hear this one's visitor.
    token = playing["src"].split("/speech/")[1].split("/")[0]
    assert kiosk.page.request.get(playing["src"].replace(token, token[:-1])).status == 404

    kiosk.page.keyboard.press("F3")  # off: the page stops at once
    kiosk.page.wait_for_function("() => window.location.hash === '#speak-stop'")
    assert kiosk.page.evaluate(AUDIO_STATE)["paused"]


@pytest.mark.skipif(shutil.which("espeak-ng") is None,
                    reason="needs espeak-ng on the server (apt-get install espeak-ng)")
def test_a_kiosk_started_speaking_plays_on_the_page_by_itself(browser, tmp_path):
    # faelles kiosk --web --speech: Home is read without a key or a touch first.
    with serve_kiosk(tmp_path / "faelles.db", "--speech") as server:
        context = browser.new_context(viewport=FULL_HD, has_touch=True)
        try:
            kiosk = KioskPage(context.new_page())
            kiosk.open(home_url(server))
            kiosk.page.wait_for_function(
                "() => document.getElementById('speech').currentTime > 0", timeout=30000)
            assert not kiosk.page.evaluate(AUDIO_STATE)["paused"]
        finally:
            context.close()


def test_the_page_says_which_language_the_kiosk_shows(kiosk, server):
    kiosk.open(home_url(server))
    kiosk.wait_for(_("Welcome to Fælles"))
    assert kiosk.page.evaluate("document.documentElement.lang") == "da"
    assert '<html lang="da">' in kiosk.page.request.get(home_url(server)).text()  # before it runs
    kiosk.tap(language_name("en"))
    kiosk.wait_for(translator("en").gettext("Welcome to Fælles"))
    kiosk.page.wait_for_function("() => document.documentElement.lang === 'en'")


@pytest.mark.skipif(not AXE.is_file(),
                    reason=f"needs axe-core at {AXE} (npm install axe-core, as .ci/run does)")
def test_axe_finds_nothing_serious_on_home(kiosk, server):
    kiosk.open(home_url(server))
    kiosk.wait_for(_("Welcome to Fælles"))
    kiosk.page.add_script_tag(path=str(AXE))
    results = kiosk.page.evaluate("axe.run()")
    serious = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    # What it found before the page was fixed: no lang, zoom disabled, text outside landmarks.
    passed = {rule["id"] for rule in results["passes"]}
    assert {"html-has-lang", "html-lang-valid", "meta-viewport", "landmark-one-main",
            "region"} <= passed
    # A visitor's own screen reader finds the terminal's text.
    assert kiosk.page.evaluate("window.kioskTerminal.options.screenReaderMode")
    assert kiosk.page.locator(".xterm-accessibility-tree").count() == 1

"""The kiosk's browser page: offline fonts, a location per page, one kiosk per connection."""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from kiosk import web
from kiosk.rtl import for_display, is_rtl
from kiosk.screens.feedback import FACES
from kiosk.web import KioskServer, clean_location, kiosk_command, missing_font_packages
from kiosk_page import kiosk_processes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fonts(tmp_path, monkeypatch):
    """Pretend only fonts-dejavu-core is installed: return its folder."""
    for face in web.FONT_FACES:
        if face.package == "fonts-dejavu-core":
            (tmp_path / face.folder).mkdir(exist_ok=True)
            (tmp_path / face.folder / face.file).write_bytes(b"font " + face.file.encode())
    monkeypatch.setattr(web, "_DEBIAN_FONTS", tmp_path)
    return tmp_path


@pytest_asyncio.fixture
async def client(fonts, db_path, monkeypatch):
    monkeypatch.setenv("FAELLES_DB", str(db_path))
    monkeypatch.chdir(ROOT)  # the kiosk command is `python -m faelles`
    server = KioskServer("Munkebo Bibliotek", "127.0.0.1", 0)
    async with TestClient(TestServer(await server._make_app())) as client:
        yield client


@pytest.mark.asyncio
async def test_the_page_loads_nothing_from_elsewhere(client):
    page = await (await client.get("/")).text()
    addresses = [a or b for a, b in re.findall(r'(?:src|href)="([^"]*)"|url\("([^"]*)"\)', page)]
    assert "/static/css/xterm.css" in addresses and "/static/js/textual.js" in addresses
    assert all(a.startswith("/") and not a.startswith("//") for a in addresses), addresses
    assert "googleapis" not in page


@pytest.mark.asyncio
async def test_the_page_declares_the_installed_fonts_and_the_server_sends_only_those(client):
    page = await (await client.get("/")).text()
    assert 'url("/fonts/DejaVuSansMono.ttf")' in page
    assert "NotoColorEmoji" not in page  # not installed here: the page does without
    font = await client.get("/fonts/DejaVuSansMono-Bold.ttf")
    assert font.status == 200 and await font.read() == b"font DejaVuSansMono-Bold.ttf"
    for path in ("/fonts/NotoColorEmoji.ttf", "/fonts/..%2F..%2Fetc%2Fpasswd",
                 "/fonts/fonts.conf"):
        assert (await client.get(path)).status == 404, path


def test_missing_font_packages_name_what_to_install(fonts):
    assert missing_font_packages() == ["fonts-noto-color-emoji", "fonts-noto-core"]


@pytest.mark.asyncio
async def test_the_location_in_the_address_becomes_the_connection_path(client):
    page = await (await client.get("/", params={"location": "Rådhuset, Hans Schacksvej 4"}))\
        .text()
    assert 'data-session-websocket-url="/ws/R%C3%A5dhuset%2C%20Hans%20Schacksvej%204"' in page
    page = await (await client.get("/", params={"location": '"><script>x</script>'})).text()
    assert "<script>x" not in page
    assert 'data-session-websocket-url="/ws"' in await (await client.get("/")).text()


@pytest.mark.parametrize(("asked", "location"), [
    ("Kerteminde Bibliotek", "Kerteminde Bibliotek"),
    ("  Munkebo\n\tBibliotek ", "Munkebo Bibliotek"),
    ("Rådhuset\x1b[31m\u202e [b]", "Rådhuset [b]"),
    ("x" * 500, "x" * 60),
    ("", None), (None, None), ("\x07\n", None),
])
def test_a_location_from_the_address_is_one_short_plain_line(asked, location):
    assert clean_location(asked) == location


def test_each_connection_runs_the_kiosk_at_its_location():
    command = shlex.split(kiosk_command("Rådhuset, Hans Schacksvej 4"))
    assert command[1:] == ["-m", "faelles", "kiosk", "--location",
                           "Rådhuset, Hans Schacksvej 4"]


def test_a_page_without_a_location_gets_the_server_s():
    server = KioskServer("Langeskov Bibliotek", "127.0.0.1", 8000)
    asked = make_mocked_request("GET", "/ws/Munkebo%20Bibliotek",
                                match_info={"location": "Munkebo Bibliotek\x1b[2J"})
    assert shlex.split(server.command_for(asked))[-1] == "Munkebo Bibliotek"
    plain = make_mocked_request("GET", "/ws", match_info={})
    assert shlex.split(server.command_for(plain))[-1] == "Langeskov Bibliotek"


async def read_until(socket, text: str) -> str:
    """Read the kiosk's output until text has been drawn (Playwright-free, so always run)."""
    seen = b""
    async for message in socket:
        if message.type == WSMsgType.BINARY:
            seen += message.data
            if text.encode() in seen:
                return seen.decode(errors="replace")
        elif message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
            break
    raise AssertionError(f"{text!r} never came; got {seen[-500:]!r}")


@pytest.mark.asyncio
async def test_a_connection_gets_a_kiosk_at_its_location_and_is_closed_when_it_dies(
        client, db):
    socket = await client.ws_connect("/ws/Dalby%20Forsamlingshus?width=80&height=24")
    await read_until(socket, "Dalby Forsamlingshus")
    (kiosk,) = kiosk_processes(os.getpid())
    assert b"Dalby Forsamlingshus" in Path(f"/proc/{kiosk}/cmdline").read_bytes()
    os.kill(kiosk, signal.SIGKILL)
    # Without this the page would keep a dead screen and never start again.
    while (await socket.receive(timeout=60)).type == WSMsgType.BINARY:
        pass
    assert socket.closed


def served_characters(face_files) -> set[int]:
    """Return every code point the given font files have a glyph for (fontconfig's view)."""
    covered = set()
    for path in face_files:
        charset = subprocess.run(["fc-query", "-f", "%{charset}", str(path)],
                                 capture_output=True, text=True, check=True).stdout
        for part in charset.split():
            first, _, last = part.partition("-")
            covered.update(range(int(first, 16), int(last or first, 16) + 1))
    return covered


def catalog_characters() -> dict[str, set[str]]:
    """Return, per catalog, every character the kiosk may draw from it (Arabic reordered)."""
    from babel.messages.pofile import read_po

    found = {}
    for path in sorted(glob.glob(str(ROOT / "locales" / "**" / "*.po"), recursive=True)):
        with open(path, "rb") as po:
            catalog = read_po(po)
        locale = str(catalog.locale)
        chars = found.setdefault(locale, set())
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in filter(None, strings):
                chars.update(for_display(text) if is_rtl(locale) else text)
    return found


@pytest.mark.skipif(shutil.which("fc-query") is None, reason="needs fc-query (fontconfig)")
def test_the_served_fonts_have_every_letter_of_every_language_and_the_faces():
    if missing := missing_font_packages():
        pytest.skip(f"apt-get install {' '.join(missing)}")
    covered = served_characters({face.path for face in web.FONT_FACES
                                 if face.weight == "normal"})
    languages = catalog_characters()
    assert {"da", "en"} <= set(languages)
    languages["faces"] = set("".join(FACES.values()))
    for language, chars in languages.items():
        missing = sorted(c for c in chars if not c.isspace() and ord(c) not in covered)
        assert missing == [], f"{language}: no served font draws {missing}"

"""The kiosk's browser page: offline fonts, a location per page, one kiosk per connection,
and no page that can harm the server (a terminal size within bounds, a kiosk that ends
with its page however stuck it is, a cap on sessions, no credential in a kiosk)."""

from __future__ import annotations

import asyncio
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import time
from base64 import b64encode
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import ClientConnectionResetError, WSMsgType, WSServerHandshakeError
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from click.testing import CliRunner

from faelles.cli import main
from kiosk import web, web_session, web_spare
from kiosk.rtl import for_display, is_rtl
from kiosk.screens.feedback import FACES
from kiosk.web import KioskServer, clean_location, kiosk_command, missing_font_packages
from kiosk.web_session import terminal_size
from kiosk_page import kiosk_processes, started_at
from shared.i18n import translator
from shared.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
# Generous, for a busy 2-core machine: a kiosk that is stopped goes in about 3 s.
WAIT_S = 60
HOME = "Munkebo Bibliotek"  # the server's location, drawn on Home
BUSY = "The kiosk is busy. This screen will try again by itself in a moment."


@pytest.fixture
def fonts(tmp_path, monkeypatch):
    """Pretend only fonts-dejavu-core is installed: return its folder."""
    for face in web.FONT_FACES:
        if face.package == "fonts-dejavu-core":
            (tmp_path / face.folder).mkdir(exist_ok=True)
            (tmp_path / face.folder / face.file).write_bytes(b"font " + face.file.encode())
    monkeypatch.setattr(web, "_DEBIAN_FONTS", tmp_path)
    return tmp_path


@pytest.fixture
def serving(fonts, db_path, monkeypatch):
    """Return a function that serves the kiosk with the given options to a test client."""
    monkeypatch.setenv("FAELLES_DB", str(db_path))
    monkeypatch.chdir(ROOT)  # the kiosk command is `python -m faelles`

    @asynccontextmanager
    async def serve(**options):
        # One kiosk process per page is easier to reason about: the spare kiosk
        # has tests of its own, which ask for it.
        options.setdefault("spare", False)
        server = KioskServer(HOME, "127.0.0.1", 0, **options)
        async with TestClient(TestServer(await server._make_app())) as client:
            client.kiosk_server = server
            yield client

    return serve


@pytest_asyncio.fixture
async def client(serving):
    async with serving() as client:
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


async def the_kiosk() -> int:
    """Return the one kiosk process this test runs, once it has started."""
    deadline = time.monotonic() + WAIT_S
    while not (found := kiosk_processes(os.getpid())):
        assert time.monotonic() < deadline, "no kiosk process started"
        await asyncio.sleep(0.1)
    (kiosk,) = found
    return kiosk


async def gone(pid: int) -> bool:
    """Wait until the process has ended and been reaped (a zombie stays in /proc)."""
    deadline = time.monotonic() + WAIT_S
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


def kill(pid: int) -> None:
    """End a kiosk a failed test left behind."""
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def environment_of(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(entry.split("=", 1) for entry in entries if "=" in entry)


async def closed(websocket) -> bool:
    """Read the page's socket (answering pings) until the server closes it; say if it did."""
    async def until_closed() -> None:
        while (await websocket.receive()).type not in (
                WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            pass

    try:  # one deadline for all: each ping restarts receive()'s own timeout
        await asyncio.wait_for(until_closed(), WAIT_S)
    except asyncio.TimeoutError:
        return False
    except ConnectionError:  # dropped rather than closed
        pass
    return True


# --- a page cannot make its kiosk draw a huge terminal -----------------------------------

@pytest.mark.parametrize(("asked", "size"), [
    (("80", "24"), (80, 24)),
    ((99999999, 1), (500, 5)),
    (("-3", "99999999"), (10, 200)),
    ((120.7, 40), (120, 40)),
    ((None, None), (80, 24)),
    (("wide", []), (80, 24)),
    ((1e308, float("nan")), (500, 24)),
    ((float("inf"), {"rows": 9}), (80, 24)),
])
def test_a_terminal_size_from_a_page_is_kept_within_bounds(asked, size):
    assert terminal_size(*asked) == size


@pytest.mark.asyncio
async def test_a_page_cannot_make_its_kiosk_draw_a_huge_terminal(client, db, monkeypatch):
    told = []
    send_meta = web_session.KioskSession.send_meta

    async def recording(self, data):
        told.append(data)
        return await send_meta(self, data)

    monkeypatch.setattr(web_session.KioskSession, "send_meta", recording)
    # textual-serve passed both on as asked: the kiosk ran at 100% CPU and grew past
    # 2.7 GB in 20 s, laying out a screen 99999999 cells wide.
    socket = await client.ws_connect("/ws?width=99999999&height=1")
    kiosk = await the_kiosk()
    environment = environment_of(kiosk)
    assert (environment["COLUMNS"], environment["ROWS"]) == ("500", "5")
    await socket.send_str(json.dumps(["resize", {"width": 99999999, "height": 1}]))
    await socket.send_str(json.dumps(["resize", {"width": "81", "height": -1}]))
    deadline = time.monotonic() + WAIT_S
    while len([meta for meta in told if meta["type"] == "resize"]) < 2:
        assert time.monotonic() < deadline, told
        await asyncio.sleep(0.05)
    assert [meta for meta in told if meta["type"] == "resize"] == [
        {"type": "resize", "width": 500, "height": 5},
        {"type": "resize", "width": 81, "height": 5}]


# --- a page's kiosk ends with the page, whatever state it is in ---------------------------

@pytest.mark.asyncio
async def test_a_kiosk_that_hangs_ends_when_its_page_closes(client, db):
    socket = await client.ws_connect("/ws?width=80&height=24")
    await read_until(socket, HOME)
    kiosk = await the_kiosk()
    # Stopped, it neither draws nor reads nor acts on SIGTERM, as a kiosk busy
    # drawing or blocked writing its output.
    os.kill(kiosk, signal.SIGSTOP)
    try:
        await socket.close()
        assert await gone(kiosk), "the kiosk outlived its page"
    finally:
        kill(kiosk)


@pytest.mark.parametrize("error", [
    ConnectionResetError("Connection reset by peer"),
    ClientConnectionResetError("Cannot write to closing transport"),
    ConnectionError("Connection lost"),  # aiohttp's drain, when the page went meanwhile
    RuntimeError("websocket is closing"),
], ids=lambda error: type(error).__name__)
@pytest.mark.asyncio
async def test_a_kiosk_ends_when_its_page_cannot_be_written_to(client, db, monkeypatch, error):
    broken = asyncio.Event()
    on_data = web_session.KioskSession.on_data

    async def failing(self, payload):
        if broken.is_set():
            raise error
        await on_data(self, payload)

    monkeypatch.setattr(web_session.KioskSession, "on_data", failing)
    socket = await client.ws_connect("/ws?width=80&height=24")
    await read_until(socket, HOME)
    kiosk = await the_kiosk()
    broken.set()
    await socket.send_str(json.dumps(["resize", {"width": 81, "height": 24}]))  # a frame
    try:
        # Reading the socket meanwhile, as a browser does, keeps it open by
        # answering the server's pings.
        assert await closed(socket), f"the page was not told its session ended ({error!r})"
        assert await gone(kiosk), f"the kiosk outlived {error!r}"
    finally:
        kill(kiosk)


def websocket_frame(opcode: int, payload: bytes) -> bytes:
    """Return one masked frame, as a browser sends it (RFC 6455, 5.2)."""
    mask = os.urandom(4)
    length = (bytes([0x80 | len(payload)]) if len(payload) < 126
              else bytes([0x80 | 126]) + struct.pack("!H", len(payload)))
    masked = bytes(byte ^ mask[n % 4] for n, byte in enumerate(payload))
    return bytes([0x80 | opcode]) + length + mask + masked


def wchan(pid: int) -> str:
    with suppress(OSError):
        return Path(f"/proc/{pid}/wchan").read_text()
    return ""


@pytest.mark.asyncio
async def test_a_kiosk_blocked_on_a_page_that_stopped_reading_ends_when_it_closes(client, db):
    # The page stops reading while its kiosk draws, until the kiosk is blocked writing
    # its output; then it closes with 1009 (message too big), as a browser with a
    # smaller limit does, and keeps the connection open. Those kiosks stayed, stuck
    # in a pipe write, for as long as anyone looked.
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, (client.host, client.port))
    reader, writer = await asyncio.open_connection(sock=raw, limit=4096)
    key = b64encode(os.urandom(16)).decode()
    writer.write(f"GET /ws?width={web_session.MAX_COLUMNS}&height={web_session.MAX_ROWS} HTTP/1.1\r\n"
                 f"Host: {client.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n".encode())
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    kiosk = await the_kiosk()
    try:
        for n in range(2000):  # each a full redraw at the largest size, never read
            size = {"width": web_session.MAX_COLUMNS - n % 2, "height": web_session.MAX_ROWS}
            writer.write(websocket_frame(0x1, json.dumps(["resize", size]).encode()))
            await asyncio.sleep(0.05)
            if "pipe_write" in wchan(kiosk):
                break
        else:
            pytest.fail(f"the kiosk never blocked writing its output ({wchan(kiosk)!r})")
        writer.write(websocket_frame(0x8, struct.pack("!H", 1009) + b"Message too big"))
        assert await gone(kiosk), "the kiosk outlived its page"
    finally:
        writer.close()
        kill(kiosk)


# --- a cap on sessions ---------------------------------------------------------------------

@pytest.mark.asyncio
async def test_a_page_over_the_cap_is_told_the_kiosk_is_busy(serving, db):
    async with serving(max_sessions=1) as client:
        first = await client.ws_connect("/ws?width=80&height=24")
        await read_until(first, HOME)
        busy = translator("da").gettext(BUSY)  # FAELLES_LOCALE's language, Danish by default
        assert busy != BUSY
        page = await client.get("/?location=Kerteminde%20Bibliotek")
        assert page.status == 503 and page.headers["Retry-After"] == str(web.BUSY_RETRY_S)
        text = await page.text()
        assert busy in text and 'lang="da"' in text
        assert f'<meta http-equiv="refresh" content="{web.BUSY_RETRY_S}">' in text
        with pytest.raises(WSServerHandshakeError) as refused:
            await client.ws_connect("/ws/Kerteminde%20Bibliotek?width=80&height=24")
        assert refused.value.status == 503
        assert len(kiosk_processes(os.getpid())) == 1

        await first.close()
        deadline = time.monotonic() + WAIT_S
        while (await client.get("/")).status != 200:  # room again, once the kiosk is gone
            assert time.monotonic() < deadline, "the session's room never came free"
            await asyncio.sleep(0.1)
        second = await client.ws_connect("/ws?width=80&height=24")
        await read_until(second, HOME)


def test_the_cap_is_a_setting_and_an_option(monkeypatch):
    assert load_settings({}).kiosk_max_sessions == 8
    assert load_settings({"FAELLES_KIOSK_MAX_SESSIONS": "3"}).kiosk_max_sessions == 3
    for wrong in ("0", "-1", "many"):
        with pytest.raises(ValueError, match="FAELLES_KIOSK_MAX_SESSIONS"):
            load_settings({"FAELLES_KIOSK_MAX_SESSIONS": wrong})

    made = []

    class NotServing:
        def serve(self):
            pass

    monkeypatch.setattr(web, "make_server",
                        lambda *args, **options: made.append(options) or NotServing())
    monkeypatch.setenv("FAELLES_KIOSK_MAX_SESSIONS", "5")
    monkeypatch.setenv("FAELLES_LOCALE", "uk")
    assert CliRunner().invoke(main, ["kiosk", "--web"]).exit_code == 0
    assert CliRunner().invoke(main, ["kiosk", "--web", "--max-sessions", "2"]).exit_code == 0
    assert [(options["max_sessions"], options["locale"]) for options in made] == [
        (5, "uk"), (2, "uk")]
    assert CliRunner().invoke(main, ["kiosk", "--web", "--max-sessions", "0"]).exit_code != 0


# --- a spare kiosk for the next page ------------------------------------------------------

async def kiosks(count: int) -> list[int]:
    """Wait until exactly count kiosk processes run; return them, oldest first."""
    deadline = time.monotonic() + WAIT_S
    while len(found := kiosk_processes(os.getpid())) != count:
        assert time.monotonic() < deadline, f"{len(found)} kiosk processes, not {count}"
        await asyncio.sleep(0.1)
    return sorted(found, key=started_at)


@pytest.mark.asyncio
async def test_a_page_gets_the_kiosk_started_before_it_came_and_a_new_one_waits(serving, db):
    async with serving(spare=True) as client:
        (spare,) = await kiosks(1)  # before any page asked
        deadline = time.monotonic() + WAIT_S
        while (client.kiosk_server.spare.session is None
               or HOME.encode() not in client.kiosk_server.spare.session.link.held_output()):
            assert time.monotonic() < deadline, "the spare never drew Home"
            await asyncio.sleep(0.1)
        socket = await client.ws_connect("/ws?width=100&height=30")
        told, drawn = [], b""
        while not (told and HOME.encode() in drawn):  # what the spare did before the page came
            message = await socket.receive(timeout=WAIT_S)
            assert message.type in (WSMsgType.TEXT, WSMsgType.BINARY), (message, told)
            if message.type == WSMsgType.TEXT:
                told.append(message.data)
            else:
                drawn += message.data
        assert any("#lang=da" in text for text in told), told  # the page's <html lang>
        page, next_spare = await kiosks(2)
        assert page == spare and next_spare != spare
        await socket.close()
        assert await gone(page)
        assert await kiosks(1) == [next_spare]  # one spare at a time, never two


@pytest.mark.asyncio
async def test_a_page_at_another_location_gets_its_own_kiosk_and_the_next_spare_is_there(
        serving, db):
    async with serving(spare=True) as client:
        (spare,) = await kiosks(1)
        socket = await client.ws_connect("/ws/Dalby%20Forsamlingshus?width=80&height=24")
        await read_until(socket, "Dalby Forsamlingshus")
        running = await kiosks(2)
        assert spare not in running  # started for Munkebo: not what this page asked for
        assert all(b"Dalby Forsamlingshus" in Path(f"/proc/{pid}/cmdline").read_bytes()
                   for pid in running)
        await socket.close()


@pytest.mark.asyncio
async def test_a_spare_that_died_is_not_given_to_a_page(serving, db):
    async with serving(spare=True) as client:
        (spare,) = await kiosks(1)
        os.kill(spare, signal.SIGKILL)
        assert await gone(spare)
        socket = await client.ws_connect("/ws?width=80&height=24")
        await read_until(socket, HOME)  # from a kiosk started for it
        assert spare not in await kiosks(2)
        await socket.close()


@pytest.mark.asyncio
async def test_at_the_page_limit_there_is_no_spare_and_the_server_stops_it(serving, db):
    async with serving(spare=True, max_sessions=2) as client:
        await kiosks(1)
        first = await client.ws_connect("/ws?width=80&height=24")
        await read_until(first, HOME)
        await kiosks(2)  # the first page's, and a spare
        second = await client.ws_connect("/ws?width=80&height=24")
        await read_until(second, HOME)
        await kiosks(2)  # both pages', and no spare beyond the limit
        await asyncio.sleep(0.5)
        assert len(kiosk_processes(os.getpid())) == 2
        await first.close()
        await second.close()
        (spare,) = await kiosks(1)  # room again: one spare
    assert await gone(spare), "the spare outlived the server"


@pytest.mark.asyncio
async def test_a_spare_holds_what_its_kiosk_wrote_until_a_page_takes_it():
    link = web_spare.PageLink()
    await link.write_bytes(b"Home")
    await link.write_str('["open_url", {"url": "#lang=da"}]')
    sent = []

    class Page:
        async def send_bytes(self, data):
            sent.append(data)
            if data == b"Home":  # the kiosk draws on while the page is given what it held
                await link.write_bytes(b" drawn meanwhile")

        async def send_str(self, text):
            sent.append(text)

    await link.take(Page())
    await link.write_bytes(b"after")
    assert sent == [b"Home", '["open_url", {"url": "#lang=da"}]', b" drawn meanwhile",
                    b"after"]
    assert link.taken and not link.ended


@pytest.mark.asyncio
async def test_a_spare_that_writes_too_much_before_any_page_is_ended(monkeypatch):
    monkeypatch.setattr(web_spare, "HELD_MAX_BYTES", 10)
    link = web_spare.PageLink()
    await link.write_bytes(b"0123456789")
    with pytest.raises(ConnectionError):
        await link.write_bytes(b"x")
    await link.close()
    assert link.ended and not link.taken


def test_the_spare_is_an_option(monkeypatch):
    made = []

    class NotServing:
        def serve(self):
            pass

    monkeypatch.setattr(web, "make_server",
                        lambda *args, **options: made.append(options) or NotServing())
    assert CliRunner().invoke(main, ["kiosk", "--web"]).exit_code == 0
    assert CliRunner().invoke(main, ["kiosk", "--web", "--no-spare"]).exit_code == 0
    assert [options["spare"] for options in made] == [True, False]


# --- no credential in a kiosk --------------------------------------------------------------

@pytest.mark.asyncio
async def test_a_kiosk_is_given_no_credential(client, db, db_path, monkeypatch):
    credentials = {"TWILIO_AUTH_TOKEN": "twilio-token", "TWILIO_ACCOUNT_SID": "ACsid",
                   "FAELLES_SUPPRESSION_KEY": "suppression-key",
                   "LITESTREAM_ACCESS_KEY_ID": "key-id",
                   "LITESTREAM_SECRET_ACCESS_KEY": "secret-key"}
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TWILIO_FROM", "+4570000000")  # shown as the number to text
    socket = await client.ws_connect("/ws?width=80&height=24")
    await read_until(socket, HOME)
    environment = environment_of(await the_kiosk())
    assert set(credentials) & set(environment) == set()
    assert not set(credentials.values()) & set(environment.values())
    assert environment["TWILIO_FROM"] == "+4570000000"
    assert environment["FAELLES_DB"] == str(db_path)


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


def test_a_page_hears_only_its_own_kiosk_and_the_folder_goes_with_it():
    async def nothing(*args) -> None:
        pass

    session = web_session.KioskSession("true", write_bytes=nothing, write_str=nothing,
                                       close=nothing, download_manager=None)
    environment = session._build_environment()
    folder = Path(environment["FAELLES_SPEECH_DIR"])
    token = environment["FAELLES_SPEECH_URL"].removeprefix("/speech/")
    (folder / "3.wav").write_bytes(b"RIFF")
    assert session.speech_file(token, "3") == folder / "3.wav"
    assert session.speech_file(token, "4") is None  # not written (or already forgotten)
    assert session.speech_file(token[:-1], "3") is None
    assert session.speech_file(token, "../secret") is None
    asyncio.run(session.stop())
    assert not folder.exists()

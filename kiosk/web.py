"""Serve the kiosk to a browser with textual-serve: one kiosk process per connection.

The page is ours (kiosk/web_page/), not textual-serve's: it loads no web font
from the internet, sizes the terminal's font so the kiosk fills a touch screen,
draws every script and the rating faces from fonts this server sends, and
starts a new session by itself when one ends. `?location=` in the page's
address says where this screen stands.

Anyone who can open the page can also send the server what they like, so no
page may harm it: the number of sessions is capped, and each page's kiosk
process is a KioskSession (kiosk/web_session.py), bounded and ended with it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import WSMsgType, web
from textual_serve.server import Server

from kiosk.rtl import is_rtl
from kiosk.web_session import KioskSession, close_page, terminal_size
from kiosk.web_spare import PageLink, Spare
from shared.i18n import DEFAULT_LOCALE, best_locale, translator
from shared.settings import DEFAULT_KIOSK_MAX_SESSIONS
from shared.sms_text import sanitise

log = logging.getLogger("faelles.web")

PAGE = Path(__file__).parent / "web_page"
MAX_LOCATION_CHARS = 60
# A page refused for want of room tries again after this long (the busy page
# reloads itself; Retry-After says the same to other clients).
BUSY_RETRY_S = 20
# textual.js creates the terminal with this family, and nothing on the page can
# change it: so the faces below are all declared under that name.
TERMINAL_FAMILY = "Roboto Mono"
_DEBIAN_FONTS = Path("/usr/share/fonts/truetype")
_ARABIC = "U+0600-06FF, U+0750-077F, U+08A0-08FF, U+FB50-FDFF, U+FE70-FEFF"
_EMOJI = "U+231A-23FF, U+2600-27BF, U+2B00-2BFF, U+FE0F, U+1F000-1FAFF"


@dataclass(frozen=True)
class FontFace:
    """A font file from a Debian package, sent to the page as one face of the terminal font."""

    folder: str  # under /usr/share/fonts/truetype
    file: str
    package: str
    weight: str = "normal"
    unicode_range: str | None = None

    @property
    def path(self) -> Path:
        return _DEBIAN_FONTS / self.folder / self.file


# Tried last to first for each character (CSS Fonts 4, unicode-range): DejaVu
# Sans Mono first, as its Latin, Cyrillic and Arabic letters keep the cell
# grid; then Noto Sans Arabic for the Arabic it lacks; then the colour faces.
# Bold text (every Button) is matched among the bold faces only, so the emoji
# face is declared for both weights.
FONT_FACES = (
    FontFace("noto", "NotoColorEmoji.ttf", "fonts-noto-color-emoji", "normal", _EMOJI),
    FontFace("noto", "NotoColorEmoji.ttf", "fonts-noto-color-emoji", "bold", _EMOJI),
    FontFace("noto", "NotoSansArabic-Regular.ttf", "fonts-noto-core", "normal", _ARABIC),
    FontFace("noto", "NotoSansArabic-Bold.ttf", "fonts-noto-core", "bold", _ARABIC),
    FontFace("dejavu", "DejaVuSansMono.ttf", "fonts-dejavu-core", "normal"),
    FontFace("dejavu", "DejaVuSansMono-Bold.ttf", "fonts-dejavu-core", "bold"),
)


def missing_font_packages(faces=FONT_FACES) -> list[str]:
    """Return the Debian packages whose fonts the page needs but this machine lacks."""
    return sorted({face.package for face in faces if not face.path.is_file()})


def clean_location(value: str | None) -> str | None:
    """Return a location from a page address as one short plain line, or None."""
    # Anyone who can open the page can type any address: it is shown on Home
    # and stored with every record, so it gets what a citizen's text gets.
    text = " ".join(sanitise(value or "", max_chars=4 * MAX_LOCATION_CHARS).split())
    return text[:MAX_LOCATION_CHARS].rstrip() or None


def kiosk_command(location: str | None) -> str:
    """Return the command textual-serve runs for each browser connection."""
    command = [sys.executable, "-m", "faelles", "kiosk"]
    if location:
        command += ["--location", location]
    return shlex.join(command)


def theme_background() -> str:
    """Return the kiosk theme's background, for the page around the terminal."""
    from kiosk.app import KIOSK_THEME

    return KIOSK_THEME.background


class KioskServer(Server):
    """textual-serve's server with the kiosk's page, its fonts, a location per page, and
    room for max_sessions pages at once."""

    def __init__(self, location: str | None, host: str, port: int, title: str = "Fælles", *,
                 locale: str = DEFAULT_LOCALE,
                 max_sessions: int = DEFAULT_KIOSK_MAX_SESSIONS, spare: bool = True):
        super().__init__(kiosk_command(location), host=host, port=port, title=title,
                         templates_path=PAGE)
        self.location = location
        self.locale = best_locale(locale)
        self.max_sessions = max_sessions
        self.sessions: set[KioskSession] = set()
        # One kiosk started before any page asks, so the next visitor meets Home
        # at once instead of a blank second while a process starts.
        self.spare = Spare(lambda: len(self.sessions) < self.max_sessions, on=spare,
                           download_manager=self.download_manager, debug=self.debug)
        self.faces = [face for face in FONT_FACES if face.path.is_file()]

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/ws/{location}", self.handle_websocket)
        app.router.add_get("/fonts/{name}", self.handle_font)
        app.router.add_get("/speech/{token}/{number}", self.handle_speech)
        return app

    async def on_startup(self, app: web.Application) -> None:
        await super().on_startup(app)
        if missing := missing_font_packages():
            log.warning("Fonts missing; the page falls back to the browser's own. "
                        "Install: apt-get install %s", " ".join(missing))
        self.spare.keep(self.command)

    async def on_shutdown(self, app: web.Application) -> None:
        await self.spare.stop()
        await asyncio.gather(*(session.stop() for session in list(self.sessions)),
                             return_exceptions=True)

    @property
    def full(self) -> bool:
        return len(self.sessions) >= self.max_sessions

    def busy_text(self) -> str:
        """Return what a page is told when every session is in use, in the kiosk's language."""
        _ = translator(self.locale).gettext
        return _("The kiosk is busy. This screen will try again by itself in a moment.")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """Return the kiosk's page, or the busy page when there is no room for a session."""
        if self.full:
            log.warning("All %d kiosk sessions are in use: a page was told to wait",
                        self.max_sessions)
            busy = aiohttp_jinja2.render_template("busy.html", request, {
                "title": self.title, "text": self.busy_text(), "locale": self.locale,
                # A browser orders right-to-left text itself, unlike a terminal.
                "direction": "rtl" if is_rtl(self.locale) else "ltr",
                "background": theme_background(), "retry": BUSY_RETRY_S}, status=503)
            busy.headers["Retry-After"] = str(BUSY_RETRY_S)
            return busy
        return aiohttp_jinja2.render_template("app_index.html", request,
                                              self.page_context(request))

    def page_context(self, request: web.Request) -> dict[str, Any]:
        """Return the page's template data: its fonts, colours and connection path."""
        location = clean_location(request.query.get("location"))
        return {
            "title": self.title,
            "locale": self.locale,  # until the kiosk says which it shows (kiosk.js)
            "background": theme_background(),
            "family": TERMINAL_FAMILY,
            "faces": [{"url": f"/fonts/{face.file}", "weight": face.weight,
                       "unicode_range": face.unicode_range} for face in self.faces],
            # Relative, so the page works behind a proxy and on any address the
            # server listens on (textual-serve writes http://HOST:PORT into it).
            "websocket_path": "/ws" + (f"/{quote(location, safe='')}" if location else ""),
        }

    async def handle_font(self, request: web.Request) -> web.StreamResponse:
        """Send one of the kiosk's font files, and nothing else from the disk."""
        name = request.match_info["name"]
        face = next((face for face in self.faces if face.file == name), None)
        if face is None:
            raise web.HTTPNotFound()
        return web.FileResponse(face.path, headers={"Cache-Control": "max-age=86400"})

    async def handle_speech(self, request: web.Request) -> web.StreamResponse:
        """Send an utterance of a page's kiosk to that page, to play on its own speakers."""
        token, number = request.match_info["token"], request.match_info["number"]
        for session in self.sessions:
            if path := session.speech_file(token, number):
                return web.FileResponse(path, headers={"Content-Type": "audio/wav",
                                                       "Cache-Control": "no-store"})
        raise web.HTTPNotFound()

    def command_for(self, request: web.Request) -> str:
        """Return the kiosk command for this connection, at the location its page asked for."""
        asked = clean_location(request.match_info.get("location"))
        return kiosk_command(asked or self.location)

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """Run one kiosk for one page until either ends, if there is room for it."""
        # Server.handle_websocket runs the one command given at start, passes any
        # size on, and leaves the kiosk running when the page goes in some ways.
        if self.full:
            return web.Response(status=503, text=self.busy_text(),
                                headers={"Retry-After": str(BUSY_RETRY_S)})
        # autoclose=False: when the page says goodbye, its kiosk is stopped before
        # the answer is sent, which waits on a browser that may have stopped reading.
        websocket = web.WebSocketResponse(heartbeat=15, autoclose=False)
        command = self.command_for(request)
        # A placeholder counted before the first await, so no other page slips past the cap.
        session = KioskSession.for_page(command, PageLink(),
                                        download_manager=self.download_manager,
                                        debug=self.debug)
        self.sessions.add(session)
        width, height = request.query.get("width"), request.query.get("height")
        self.spare.size = terminal_size(width, height)
        try:
            await websocket.prepare(request)
            if spare := await self.spare.take(command):
                self.sessions.discard(session)
                session = spare
                self.sessions.add(session)
                await session.link.take(websocket)
                await session.set_terminal_size(width, height)
            else:
                await session.link.take(websocket)
                await session.start(width, height)
            # The next visitor's kiosk, while this one uses theirs.
            self.spare.keep(command)
            await self._process_messages(websocket, session)
        except web.HTTPException:
            raise  # not a websocket request: aiohttp answers it
        except ConnectionError as error:  # the page went while we answered it
            log.info("A kiosk session ended: %r", error)
        except Exception:
            log.exception("A kiosk session failed")
        finally:
            # Shielded: a server shutting down cancels this, and the kiosk must still go.
            await asyncio.shield(self._end_session(websocket, session))
        return websocket

    async def _end_session(self, websocket: web.WebSocketResponse,
                           session: KioskSession) -> None:
        try:
            await session.stop()
            await close_page(websocket)
        finally:
            self.sessions.discard(session)
            self.spare.keep(session.command)  # there may be room for one again

    async def _process_messages(self, websocket: web.WebSocketResponse,
                                session: KioskSession) -> None:
        """Pass the page's keys, sizes and focus to its kiosk, until the page or the kiosk goes."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, *data = json.loads(message.data)
            except (ValueError, TypeError):
                continue  # not what textual.js sends
            sent = True
            if kind == "stdin" and data and isinstance(data[0], str):
                sent = await session.send_bytes(data[0].encode("utf-8"))
            elif kind == "resize" and data and isinstance(data[0], dict):
                sent = await session.set_terminal_size(data[0].get("width"),
                                                       data[0].get("height"))
            elif kind == "ping" and data:
                await websocket.send_json(["pong", data[0]])
            elif kind == "blur":
                sent = await session.send_meta({"type": "blur"})
            elif kind == "focus":
                sent = await session.send_meta({"type": "focus"})
            if sent is False:  # the kiosk is gone, or stuck and not reading
                break


def make_server(location: str | None, host: str, port: int, title: str = "Fælles", *,
                locale: str = DEFAULT_LOCALE,
                max_sessions: int = DEFAULT_KIOSK_MAX_SESSIONS, spare: bool = True) -> Server:
    """Return a textual-serve server for the kiosk. It has no login: bind it to
    localhost or put an authenticating proxy in front of it."""
    return KioskServer(location, host, port, title, locale=locale, max_sessions=max_sessions,
                       spare=spare)

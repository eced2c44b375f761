"""Serve the kiosk to a browser with textual-serve: one kiosk process per connection.

The page is ours (kiosk/web_page/), not textual-serve's: it loads no web font
from the internet, sizes the terminal's font so the kiosk fills a touch screen,
draws every script and the rating faces from fonts this server sends, and
starts a new session by itself when one ends. `?location=` in the page's
address says where this screen stands.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from shared.sms_text import sanitise

log = logging.getLogger("faelles.web")

PAGE = Path(__file__).parent / "web_page"
MAX_LOCATION_CHARS = 60
# A kiosk whose output has ended gets this long to exit before it is killed.
REAP_AFTER_S = 5
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


class KioskSession(AppService):
    """One kiosk process for one page; the page hears at once when the process is gone."""

    async def run(self) -> None:
        await super().run()  # until the kiosk's output ends
        # textual-serve never waits for the process it started: reap it here.
        try:
            await asyncio.wait_for(self._process.wait(), timeout=REAP_AFTER_S)
        except asyncio.TimeoutError:
            self._process.kill()
            await self._process.wait()
        # And it closes the page's socket only when the app says it is exiting:
        # a kiosk that crashed or was killed would leave a dead screen.
        await self.remote_close()


class KioskServer(Server):
    """textual-serve's server with the kiosk's page, its fonts, and a location per page."""

    def __init__(self, location: str | None, host: str, port: int, title: str = "Fælles"):
        super().__init__(kiosk_command(location), host=host, port=port, title=title,
                         templates_path=PAGE)
        self.location = location
        self.faces = [face for face in FONT_FACES if face.path.is_file()]

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/ws/{location}", self.handle_websocket)
        app.router.add_get("/fonts/{name}", self.handle_font)
        return app

    async def on_startup(self, app: web.Application) -> None:
        await super().on_startup(app)
        if missing := missing_font_packages():
            log.warning("Fonts missing; the page falls back to the browser's own. "
                        "Install: apt-get install %s", " ".join(missing))

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """Return the page's template data: its fonts, colours and connection path."""
        location = clean_location(request.query.get("location"))
        return {
            "title": self.title,
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

    def command_for(self, request: web.Request) -> str:
        """Return the kiosk command for this connection, at the location its page asked for."""
        asked = clean_location(request.match_info.get("location"))
        return kiosk_command(asked or self.location)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """Run one kiosk for one page, as textual-serve 1.1 does, with its own command."""
        # Server.handle_websocket uses the one command given at start; this is
        # the same code with the command chosen per connection.
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: KioskSession | None = None
        try:
            await websocket.prepare(request)
            app_service = KioskSession(self.command_for(request),
                                       write_bytes=websocket.send_bytes,
                                       write_str=websocket.send_str, close=websocket.close,
                                       download_manager=self.download_manager,
                                       debug=self.debug)
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket


def make_server(location: str | None, host: str, port: int, title: str = "Fælles") -> Server:
    """Return a textual-serve server for the kiosk. It has no login: bind it to
    localhost or put an authenticating proxy in front of it."""
    return KioskServer(location, host, port, title)

"""The browser kiosk's spare: one kiosk process started before the next page asks.

Starting a kiosk process takes about a second, and on a library's screen that
blank second would come after every visitor. So the server keeps one kiosk
started and waiting, at the size and location of the last page; the next page
takes it (with what it drew meanwhile, held by its PageLink) and a
new spare starts behind it. One at a time, and none that would make more
kiosks than the server allows pages: at the page limit it runs exactly that many.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web

from kiosk.web_session import DEFAULT_COLUMNS, DEFAULT_ROWS, KioskSession, close_page

log = logging.getLogger("faelles.web")

# A spare kiosk's output is held until a page takes it: Home at the largest size
# is some 100 kB. One that writes more than this before any page sees it is
# misbehaving, and is ended rather than allowed to fill the server's memory.
HELD_MAX_BYTES = 4 * 2**20


class PageLink:
    """Where a kiosk's output goes: held back until a page takes the kiosk, then to that page.

    A spare kiosk is started before any page asks for it, so the next visitor
    need not wait for a process to start; what it draws meanwhile (Home, its
    language) is kept here and given to the page that takes it, in order.
    """

    def __init__(self) -> None:
        self._held: list[tuple[str, bytes | str]] = []
        self._held_bytes = 0
        self._websocket: web.WebSocketResponse | None = None
        self.ended = False  # the kiosk said it is exiting, or went, before a page took it

    @property
    def taken(self) -> bool:
        return self._websocket is not None

    def held_output(self) -> bytes:
        """Return the screen output held for the page so far."""
        return b"".join(data for kind, data in self._held if kind == "bytes")

    async def write_bytes(self, data: bytes) -> None:
        if self._websocket is not None:
            await self._websocket.send_bytes(data)
        else:
            self._hold("bytes", data)

    async def write_str(self, text: str) -> None:
        if self._websocket is not None:
            await self._websocket.send_str(text)
        else:
            self._hold("str", text)

    async def close(self) -> None:
        if self._websocket is not None:
            await close_page(self._websocket)
        else:
            self.ended = True

    def _hold(self, kind: str, data: bytes | str) -> None:
        self._held_bytes += len(data)
        if self._held_bytes > HELD_MAX_BYTES:
            # Ends the kiosk's session (KioskSession.run): nobody will read this.
            raise ConnectionError(f"a spare kiosk wrote over {HELD_MAX_BYTES} bytes")
        self._held.append((kind, data))

    async def take(self, websocket: web.WebSocketResponse) -> None:
        """Give the page what the kiosk drew so far; from now on it gets everything at once."""
        # Written while this sends are held too, behind what came before them.
        while self._held:
            kind, data = self._held.pop(0)
            if kind == "bytes":
                await websocket.send_bytes(data)
            else:
                await websocket.send_str(data)
        self._held_bytes = 0
        self._websocket = websocket


class Spare:
    """At most one kiosk started for the next page, while there is room for it."""

    def __init__(self, room: Callable[[], bool], *, on: bool = True, **session_options):
        self.room = room  # whether one more kiosk process is allowed now
        self.session_options = session_options
        self.on = on
        self.session: KioskSession | None = None
        self._starting: asyncio.Task | None = None
        # The size the last page asked for: a screen's next page asks the same, and
        # a spare drawn at that size needs no new layout when the page takes it.
        self.size: tuple[int, int] = (DEFAULT_COLUMNS, DEFAULT_ROWS)

    def keep(self, command: str) -> None:
        """Start a spare for command in the background, unless one is on its way."""
        if self.on and (self._starting is None or self._starting.done()):
            self._starting = asyncio.ensure_future(self._start(command))

    async def _start(self, command: str) -> None:
        if self.session is not None and self.session.command == command and self.session.alive:
            return
        await self._drop()
        if not self.on or not self.room():
            return
        session = KioskSession.for_page(command, PageLink(), **self.session_options)
        try:
            await session.start(*self.size)
        except OSError:
            log.exception("A spare kiosk could not be started")
            return
        self.session = session

    async def _drop(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            await session.stop()

    async def take(self, command: str) -> KioskSession | None:
        """Return the spare if it runs command and is well; it is then no longer the spare."""
        if self._starting is not None and not self._starting.done():
            await asyncio.shield(self._starting)  # one being started is still sooner
        session = self.session
        if session is None or session.command != command or not session.alive:
            return None
        self.session = None
        return session

    async def stop(self) -> None:
        """Keep no spare from now on, and end the one there is."""
        self.on = False
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)
        await self._drop()

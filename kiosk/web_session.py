"""One kiosk process for one browser page, kept from harming the server.

textual-serve's AppService runs the kiosk for a page and passes on what the page
sends. Anyone who can open the page can send anything, so here a terminal size
is kept within what a screen can show, the kiosk is given no credential, and it
ends within seconds of its page going, however stuck it is (busy drawing,
blocked writing output nobody reads, or the page's connection failing midway).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import shlex
import shutil
import signal
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from textual_serve.app_service import AppService

if TYPE_CHECKING:
    from kiosk.web_spare import PageLink

log = logging.getLogger("faelles.web")

# The terminal sizes a page may ask for, in cells. textual-serve passes on any
# size, and a kiosk told 99999999 columns lays out and draws a screen that wide:
# it took a core and gigabytes until it was killed. The page asks for about
# 80x24 (kiosk/web_page/kiosk.js); 500x200 is more than any screen shows.
MIN_COLUMNS, MIN_ROWS = 10, 5
MAX_COLUMNS, MAX_ROWS = 500, 200
DEFAULT_COLUMNS, DEFAULT_ROWS = 80, 24
# A kiosk told to stop (SIGTERM) gets this long before it is killed (SIGKILL):
# one stuck writing to its output, or busy drawing, never acts on SIGTERM.
STOP_GRACE_S = 3
KILL_WAIT_S = 10
# A kiosk that has not taken a key or a size from its pipe in this long is stuck.
INPUT_WAIT_S = 10
# Closing a page's websocket waits this long for a browser that stopped reading.
CLOSE_WAIT_S = 5
# A kiosk needs none of the services' credentials, and each process started for
# a page gets the server's environment: these are left out of it.
CREDENTIALS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
# The suppression keys (the current one and FAELLES_SUPPRESSION_KEY_PREVIOUS),
# the replica's and the EU provider's secrets.
CREDENTIAL_PREFIXES = ("LITESTREAM_", "AWS_", "FAELLES_SUPPRESSION_KEY", "GATEWAYAPI_")


def terminal_size(width: object, height: object) -> tuple[int, int]:
    """Return the size a page asked for, within what a kiosk is allowed to draw."""
    return (_within(width, DEFAULT_COLUMNS, MIN_COLUMNS, MAX_COLUMNS),
            _within(height, DEFAULT_ROWS, MIN_ROWS, MAX_ROWS))


def _within(value: object, default: int, low: int, high: int) -> int:
    try:
        number = int(value)  # a str from the address, a number (or anything) from JSON
    except (TypeError, ValueError, OverflowError):
        return default
    return max(low, min(high, number))


def without_credentials(environment: dict[str, str]) -> dict[str, str]:
    """Return the environment for a kiosk process: the server's, less any credential."""
    return {name: value for name, value in environment.items()
            if name not in CREDENTIALS and not name.startswith(CREDENTIAL_PREFIXES)}


class KioskSession(AppService):
    """One kiosk process for one page, ended and reaped when the page goes, however stuck."""

    _ending: asyncio.Future[None] | None = None  # ending the process, once begun
    link: PageLink | None = None  # where its output goes (for_page)
    # The page plays what its kiosk says (kiosk/page_speech.py): the kiosk
    # writes each utterance here, the server sends it at /speech/TOKEN/N. The token
    # is the page's own, so no other page can hear what a visitor did.
    speech_dir: Path | None = None
    speech_token: str = ""

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = without_credentials(super()._build_environment(width, height))
        self.speech_token = secrets.token_urlsafe(18)
        self.speech_dir = Path(tempfile.mkdtemp(prefix="faelles-speech-"))
        environment["FAELLES_SPEECH_DIR"] = str(self.speech_dir)
        environment["FAELLES_SPEECH_URL"] = f"/speech/{self.speech_token}"
        return environment

    def speech_file(self, token: str, number: str) -> Path | None:
        """Return an utterance of this page's kiosk, if the token is its own and it is there."""
        if (self.speech_dir is None or not number.isdigit()
                or not secrets.compare_digest(token, self.speech_token)):
            return None
        path = self.speech_dir / f"{int(number)}.wav"
        return path if path.is_file() else None

    def forget_speech(self) -> None:
        if self.speech_dir is not None:
            shutil.rmtree(self.speech_dir, ignore_errors=True)
            self.speech_dir = None

    async def _open_app_process(self, width: int = 80, height: int = 24):
        # textual-serve runs the command with `sh -c`: a signal would reach the
        # shell and leave the kiosk running. Started directly, the kiosk is the
        # process we stop.
        self._process = await asyncio.create_subprocess_exec(
            *shlex.split(self.command), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width, height))
        self._stdin = self._process.stdin
        return self._process

    @classmethod
    def for_page(cls, command: str, link: PageLink, **options) -> KioskSession:
        """Return a session whose kiosk writes through link (to a page, once one takes it)."""
        session = cls(command, write_bytes=link.write_bytes, write_str=link.write_str,
                      close=link.close, **options)
        session.link = link
        return session

    @property
    def alive(self) -> bool:
        """Tell whether the kiosk runs and has not said it is ending."""
        return (self._process is not None and self._process.returncode is None
                and self._ending is None and not (self.link and self.link.ended))

    async def start(self, width: object, height: object) -> None:
        await super().start(*terminal_size(width, height))

    async def set_terminal_size(self, width: object, height: object) -> bool:
        columns, rows = terminal_size(width, height)
        return await self.send_meta({"type": "resize", "width": columns, "height": rows})

    async def send_bytes(self, data: bytes) -> bool:
        return await self._send(self.encode_packet(b"D", data))

    async def send_meta(self, data: dict[str, str | None | int | bool]) -> bool:
        return await self._send(self.encode_packet(b"M", json.dumps(data).encode("utf-8")))

    async def _send(self, packet: bytes) -> bool:
        """Give the kiosk a packet; return False if it is gone or stuck."""
        if self._stdin is None or self._ending is not None:
            return False
        try:
            self._stdin.write(packet)
            await asyncio.wait_for(self._stdin.drain(), INPUT_WAIT_S)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError, OSError):
            return False
        return True

    async def run(self) -> None:
        try:
            await super().run()  # until the kiosk's output ends
        except (ConnectionError, RuntimeError) as error:
            # textual-serve catches only some of what a write to a page that went
            # away raises (ConnectionError from a drain, RuntimeError, ...); the
            # rest ended this task and left the kiosk blocked on output nobody read.
            log.info("A page could no longer be written to: %r", error)
        except Exception:
            log.exception("A kiosk session failed")
        await self.end_process()
        await self._close_pipes()
        # textual-serve closes the page's socket only when the app says it is
        # exiting: a kiosk that crashed or was killed would leave a dead screen.
        await self.remote_close()

    async def stop(self) -> None:
        """End the kiosk when its page has gone, and everything this session runs."""
        self.forget_speech()
        task = self._task
        if task is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        # Not textual-serve's "quit" message first: SIGTERM asks the same (Textual's
        # web driver exits on it), and a kiosk that reads no input would keep us waiting.
        await self.end_process()
        # With the kiosk gone its output ends, but the task may still be blocked
        # writing to a page that no longer reads.
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await self._close_pipes()
        self._task = None

    async def end_process(self) -> None:
        """Stop the kiosk (SIGTERM, then SIGKILL) and reap it; once, whoever asks."""
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._end_process())
        # Shielded: a caller that is cancelled must not leave the kiosk half ended.
        await asyncio.shield(self._ending)

    async def _end_process(self) -> None:
        process = self._process
        if process is None:
            return
        for signum, grace in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, KILL_WAIT_S)):
            if process.returncode is not None:
                return
            try:
                process.send_signal(signum)
            except ProcessLookupError:  # it ended meanwhile
                return
            if await ended(process, within=grace):
                return
            log.warning("Kiosk %s did not end within %s s of %s", process.pid, grace,
                        signal.Signals(signum).name)

    async def _close_pipes(self) -> None:
        """Read a finished kiosk's last output and close its input, so asyncio lets go of it."""
        process = self._process
        if process is None or process.returncode is None:
            return
        try:
            while await process.stdout.read(2**16):
                pass
        except (ConnectionError, RuntimeError, ValueError):
            pass  # read or closed meanwhile
        process.stdin.close()


async def ended(process: asyncio.subprocess.Process, within: float) -> bool:
    """Wait up to `within` seconds for the process to end and be reaped; say whether it was."""
    # Not process.wait(): asyncio also waits there for the process's pipes to
    # close, and output that nobody reads holds them open after it has gone.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while process.returncode is None:  # set once asyncio's child watcher has reaped it
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def close_page(websocket: web.WebSocketResponse) -> None:
    """Close a page's websocket, and its connection if the browser does not answer."""
    try:
        # On timeout aiohttp drops the connection (code 1006).
        await asyncio.wait_for(websocket.close(), CLOSE_WAIT_S)
    except (asyncio.TimeoutError, ConnectionError, RuntimeError):
        pass

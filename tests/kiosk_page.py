"""Run `faelles kiosk --web` and read the kiosk's page in Chromium as a visitor sees it.

Used by tests/test_browser.py and bench/web_kiosk.py. The page draws on a canvas,
so the text is read from xterm.js's own screen buffer: an init script keeps the
terminal that textual.js creates (it is not reachable from the page otherwise).
Waiting is Playwright's (wait_for_function), never fixed sleeps.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
WAIT_MS = 60_000

# textual.js runs `this.terminal = new Terminal(...)`: a setter on Object.prototype
# sees that assignment, stores the value as an ordinary property and keeps the terminal.
KEEP_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal",
                          {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && value.options) window.kioskTerminal = value;
  },
});
"""
# Where text is on the screen: its first cell, row, its middle in CSS pixels, and
# whether it is drawn on a light background (the focus colour). With `lit`, only
# an occurrence on a light background counts.
FIND_TEXT = """(text, lit = false) => {
  const terminal = window.kioskTerminal;
  if (!terminal || !document.body.classList.contains("-first-byte")) return null;
  const box = document.querySelector(".xterm-screen").getBoundingClientRect();
  const width = box.width / terminal.cols, height = box.height / terminal.rows;
  const buffer = terminal.buffer.active;
  for (let row = 0; row < terminal.rows; row++) {
    const line = buffer.getLine(row);
    let shown = "";
    const columns = [];
    for (let column = 0; column < terminal.cols; column++) {
      const cell = line.getCell(column);
      if (cell.getWidth() === 0) continue;  // the right half of a wide character
      const chars = cell.getChars() || " ";
      shown += chars;
      for (let unit = 0; unit < chars.length; unit++) columns.push(column);
    }
    for (let at = shown.indexOf(text); at >= 0; at = shown.indexOf(text, at + 1)) {
      const first = columns[at], last = columns[at + text.length - 1];
      const cells = last - first + 1 + (line.getCell(last).getWidth() - 1);
      const cell = line.getCell(first), colour = cell.getBgColor();
      const light = cell.isBgRGB() &&
        0.3 * (colour >> 16) + 0.59 * ((colour >> 8) & 255) + 0.11 * (colour & 255) > 128;
      if (lit && !light) continue;
      return {column: first, row, cells, light, x: box.left + (first + cells / 2) * width,
              y: box.top + (row + 0.5) * height, width: cells * width, height,
              left: box.left + first * width, top: box.top + row * height};
    }
  }
  return null;
}"""
SCREEN_TEXT = """() => {
  const terminal = window.kioskTerminal, buffer = terminal.buffer.active, lines = [];
  for (let row = 0; row < terminal.rows; row++) {
    lines.push(buffer.getLine(row).translateToString(true));
  }
  return lines.join("\\n");
}"""
TERMINAL_SIZE = """() => {
  const terminal = window.kioskTerminal;
  const box = document.querySelector(".xterm-screen").getBoundingClientRect();
  return {font_size: Number(terminal.options.fontSize), columns: terminal.cols,
          rows: terminal.rows, cell_width: box.width / terminal.cols,
          cell_height: box.height / terminal.rows};
}"""
# Share of pixels in a PNG that are clearly coloured (not grey, not the dark-blue
# button): a colour emoji is yellow and orange; a missing glyph is a grey box.
COLOURED_SHARE = """async (png) => {
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const image = await createImageBitmap(new Blob([bytes], {type: "image/png"}));
  const canvas = new OffscreenCanvas(image.width, image.height);
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, image.width, image.height).data;
  let coloured = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
    if (r > 150 && g > 90 && r - b > 90) coloured++;
  }
  return coloured / (image.width * image.height);
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"faelles kiosk --web never listened on {port}")


@dataclass
class KioskServer:
    url: str
    process: subprocess.Popen

    def kiosk_pids(self) -> list[int]:
        """Return the kiosk processes this server runs, oldest first: one per open page,
        and the spare started for the next page (the newest) while there is room."""
        return sorted(kiosk_processes(self.process.pid), key=started_at)

    def wait_for_kiosks(self, count: int, timeout: float = 60) -> list[int]:
        """Wait until exactly count kiosk processes run; return them, oldest first."""
        deadline = time.monotonic() + timeout
        while len(found := self.kiosk_pids()) != count:
            assert time.monotonic() < deadline, f"{len(found)} kiosk processes, not {count}"
            time.sleep(0.1)
        return found


def kiosk_processes(root: int) -> list[int]:
    """Return the `faelles kiosk` processes under root (not the /bin/sh that starts each)."""
    found = []
    for pid in descendants(root):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        if command[1:4] == [b"-m", b"faelles", b"kiosk"] and b"--web" not in command:
            found.append(pid)
    return sorted(found)


def started_at(pid: int) -> int:
    """Return when a process started, in clock ticks since boot (/proc/PID/stat, field 22)."""
    try:  # "pid (name) state ppid ...": the name may hold spaces and parentheses
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return 0  # gone meanwhile


def descendants(root: int) -> set[int]:
    """Return the pids of every process under root (children, theirs, and so on)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:  # "pid (name) state ppid ...": the name may hold spaces and parentheses
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    family, grown = set(), {root}
    while grown:
        family |= grown
        grown = {pid for pid, parent in parents.items() if parent in grown} - family
    return family - {root}


@contextmanager
def serve_kiosk(db_path: Path, *extra_args: str, env: dict | None = None):
    """Run `faelles kiosk --web` on a free port over db_path (demo data loaded)."""
    env = {**os.environ, "FAELLES_DB": str(db_path), "FAELLES_LOCALE": "da",
           "PYTHONUNBUFFERED": "1", **(env or {})}
    command = [sys.executable, "-m", "faelles"]
    subprocess.run([*command, "init", "--demo"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    port = free_port()
    process = subprocess.Popen([*command, "kiosk", "--web", "--port", str(port), *extra_args],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(port, process)
        yield KioskServer(f"http://127.0.0.1:{port}", process)
    finally:
        # SIGTERM ends textual-serve gracefully, and it stops every kiosk it runs.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class KioskPage:
    """A Playwright page on the kiosk, read through xterm.js's screen buffer."""

    def __init__(self, page):
        self.page = page
        page.add_init_script(KEEP_TERMINAL)

    def open(self, url: str) -> None:
        self.page.goto(url)

    def find(self, text: str) -> dict | None:
        return self.page.evaluate(FIND_TEXT, text)

    def wait_for(self, text: str, timeout: float = WAIT_MS) -> dict:
        """Wait until text is drawn (not the splash), and return where it is."""
        from playwright.sync_api import TimeoutError

        try:
            self.page.wait_for_function(f"(text) => ({FIND_TEXT})(text) !== null", arg=text,
                                        timeout=timeout, polling=50)
        except TimeoutError:
            shown = self.page.evaluate(f"() => window.kioskTerminal ? ({SCREEN_TEXT})() : "
                                       "'(no terminal: ' + document.body.className + ')'")
            raise AssertionError(f"{text!r} was never drawn; the screen:\n{shown}") from None
        self.next_frame()
        return self.find(text)

    def wait_for_focus(self, text: str) -> None:
        """Wait until text is drawn on the kiosk's focus colour (light, where all else is dark).

        A key is handed to the widget that has the focus when it arrives; Tab moves
        the focus only once that widget has handled it. So a test waits for the focus
        to move before pressing the next key, as a person does without thinking.
        """
        self.page.wait_for_function(f"(text) => ({FIND_TEXT})(text, true) !== null",
                                    arg=text, timeout=WAIT_MS, polling=50)

    def next_frame(self) -> None:
        """Let the browser paint what the terminal has been given."""
        self.page.evaluate("() => new Promise((done) => requestAnimationFrame("
                           "() => requestAnimationFrame(done)))")

    def tap(self, text: str) -> None:
        """Touch the middle of text where it is drawn."""
        at = self.wait_for(text)
        self.page.touchscreen.tap(at["x"], at["y"])

    def screen_text(self) -> str:
        return self.page.evaluate(SCREEN_TEXT)

    def terminal_size(self) -> dict:
        return self.page.evaluate(TERMINAL_SIZE)

    def coloured_share(self, text: str) -> float:
        """Return the share of clearly coloured pixels in the cells where text is drawn."""
        import base64

        at = self.wait_for(text)
        png = self.page.screenshot(clip={"x": at["left"], "y": at["top"],
                                         "width": at["width"], "height": at["height"]})
        return self.page.evaluate(COLOURED_SHARE, base64.b64encode(png).decode())

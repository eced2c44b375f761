"""Run the real `faelles kiosk` in a tmux pane and read what the terminal shows.

Pilot tests draw the screen inside the test process; these see what a visitor
sees: the process, its terminal size, its escape sequences, and anything else
that writes to the terminal (a stray log line, say) all end up in the pane.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rich.cells import cell_len

from kiosk_page import descendants, started_at

# Polling, never fixed sleeps: a busy machine is slow, an idle one is quick.
POLL_S = 0.05
TIMEOUT_S = 15.0

# Read before the first session: no status line (it would take a row), the
# terminal type the kiosk expects, and a dead pane kept so its last words show.
TMUX_CONF = """\
set -g status off
set -g default-terminal xterm-256color
set -g remain-on-exit on
set -g history-limit 0
"""
# Textual believes COLUMNS and LINES over the terminal (pytest may set them): drop them.
STALE_SIZE = ("COLUMNS", "LINES")


def tmux_missing() -> bool:
    return shutil.which("tmux") is None


class Terminal:
    """One tmux server of our own (its own socket) with one pane running a command."""

    def __init__(self):
        # A short path of its own: a socket path longer than ~100 bytes is refused.
        self.workdir = Path(tempfile.mkdtemp(prefix="faelles-tmux-"))
        self.socket = self.workdir / "tmux.sock"
        self.conf = self.workdir / "tmux.conf"
        self.conf.write_text(TMUX_CONF)
        self.size: tuple[int, int] = (80, 24)
        self.started = False

    def tmux(self, *args: str, check: bool = True) -> str:
        env = {name: value for name, value in os.environ.items() if name not in STALE_SIZE}
        done = subprocess.run(["tmux", "-u", "-S", str(self.socket), "-f", str(self.conf),
                               *args], capture_output=True, text=True, check=False, env=env)
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: list[str], size: tuple[int, int] = (80, 24),
              env: dict[str, str] | None = None, cwd: str | Path | None = None) -> None:
        """Start command in a detached pane of width x height, with env added."""
        self.size = size
        width, height = size
        settings = {"TERM": "xterm-256color", **(env or {})}
        env_flags = [flag for name, value in settings.items()
                     for flag in ("-e", f"{name}={value}")]
        self.tmux("new-session", "-d", "-s", "kiosk", "-x", str(width), "-y", str(height),
                  "-c", str(cwd or os.getcwd()), *env_flags, shlex.join(command))
        self.started = True

    def send(self, *keys: str) -> None:
        """Press keys by tmux name: Enter, Tab, BTab, Escape, Down, Space, C-k, a…"""
        for key in keys:
            self.tmux("send-keys", "-t", "kiosk", key)

    def type(self, text: str) -> None:
        """Type text literally, as a visitor would."""
        self.tmux("send-keys", "-t", "kiosk", "-l", text)

    def capture(self) -> str:
        """Return the pane as plain text: one line per row, trailing blanks dropped."""
        lines = self.tmux("capture-pane", "-p", "-t", "kiosk").split("\n")
        height = self.size[1]
        lines = (lines + [""] * height)[:height]
        return "\n".join(line.rstrip() for line in lines)

    def lines(self) -> list[str]:
        return self.capture().split("\n")

    def cells(self) -> list[list[Cell]]:
        """Return the pane as rows of cells with their colours, every column kept."""
        styled = self.tmux("capture-pane", "-p", "-e", "-N", "-t", "kiosk")
        return parse_cells(styled, *self.size)

    def dead(self) -> bool:
        return self.tmux("display-message", "-p", "-t", "kiosk", "#{pane_dead}",
                         check=False).strip() == "1"

    def wait_for(self, expected: str | Callable[[str], bool],
                 timeout: float = TIMEOUT_S) -> str:
        """Poll the pane until expected (a text, or a test of the screen) shows; return it."""
        test = (lambda screen: expected in screen) if isinstance(expected, str) else expected
        deadline = time.monotonic() + timeout
        while True:
            # Whether it had ended is asked before the screen is read: a command
            # that ends between the two has written its last words by then.
            dead = self.dead()
            screen = self.capture()
            if test(screen):
                return screen
            if dead or time.monotonic() > deadline:
                why = "the kiosk exited" if dead else f"{timeout:.0f} s passed"
                raise AssertionError(f"waited for {expected!r} but {why}; the pane shows:\n"
                                     f"{screen}")
            time.sleep(POLL_S)

    def wait_until_gone(self, text: str, timeout: float = TIMEOUT_S) -> str:
        return self.wait_for(lambda screen: text not in screen, timeout)

    def wait_until_settled(self, timeout: float = TIMEOUT_S) -> str:
        """Poll until the pane stops changing (data loaded, drawn); return it."""
        deadline = time.monotonic() + timeout
        last, same = None, 0
        while same < 4:  # unchanged over four polls in a row
            screen = self.capture()
            same = same + 1 if screen == last else 0
            last = screen
            if time.monotonic() > deadline:
                raise AssertionError(f"the pane kept changing for {timeout:.0f} s:\n{screen}")
            time.sleep(POLL_S)
        return last

    def stop(self) -> None:
        """Kill our own tmux server and the kiosk in it."""
        if self.started:
            pane = self.tmux("display-message", "-p", "-t", "kiosk", "#{pane_pid}",
                             check=False).strip()
            running = process_tree(int(pane)) if pane.isdigit() else {}
            self.tmux("kill-server", check=False)
            self.started = False
            # A closed terminal hangs the kiosk up, and it ends; one that did not
            # (it happened once after a coordinator's approval) would outlive the
            # test run on the machine, so it is killed after a while.
            end_all(running)
        shutil.rmtree(self.workdir, ignore_errors=True)


def process_tree(root: int) -> dict[int, int]:
    """Return root and every process under it, each with when it started."""
    return {pid: started_at(pid) for pid in {root} | descendants(root)}


def end_all(processes: dict[int, int], grace: float = 10.0) -> None:
    """Wait up to grace seconds for the processes to end, then kill what is left."""
    deadline = time.monotonic() + grace
    while ((left := [pid for pid, started in processes.items() if alive(pid, started)])
           and time.monotonic() < deadline):
        time.sleep(POLL_S)
    for pid in left:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def alive(pid: int, started: int) -> bool:
    """Tell whether the process that started then still runs (not a zombie, not a new one
    given the same id)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z" and started_at(pid) == started


def screen_width(line: str) -> int:
    """Return how many terminal cells a captured line takes (emoji take two)."""
    return cell_len(line)


@dataclass(frozen=True)
class Cell:
    char: str
    fg: tuple[int, int, int] | None  # None: the terminal's default colour
    bg: tuple[int, int, int] | None
    bold: bool = False

    @property
    def shown_fg(self) -> tuple[int, int, int]:
        return self.fg or DEFAULT_FG

    @property
    def shown_bg(self) -> tuple[int, int, int]:
        return self.bg or DEFAULT_BG


# Stands in the column a wide character (an emoji) takes beyond its first: rows joined
# from cells keep one character per column.
WIDE_TAIL = "\x00"
# What a terminal shows for "default": assume light text on black.
DEFAULT_FG = (229, 229, 229)
DEFAULT_BG = (0, 0, 0)
SGR = re.compile(r"\x1b\[([0-9;:]*)m")
# xterm's first 16 colours.
BASIC = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
         (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
         (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]


def xterm_colour(n: int) -> tuple[int, int, int]:
    """Return the RGB an xterm shows for colour n of 256."""
    if n < 16:
        return BASIC[n]
    if n < 232:
        n -= 16
        steps = (0, 95, 135, 175, 215, 255)
        return steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
    grey = 8 + (n - 232) * 10
    return grey, grey, grey


def parse_cells(styled: str, width: int, height: int) -> list[list[Cell]]:
    """Turn capture-pane -e -N output into rows of width cells (tmux carries styles on)."""
    fg = bg = None
    bold = reverse = False
    rows: list[list[Cell]] = []
    for line in styled.split("\n")[:height]:
        row: list[Cell] = []
        position = 0
        for match in SGR.finditer(line + "\x1b[m"):
            for char in line[position:match.start()]:
                shown = (bg, fg) if reverse else (fg, bg)
                row.append(Cell(char, *shown, bold))
                if cell_len(char) == 2:
                    row.append(Cell(WIDE_TAIL, *shown, bold))
            position = match.end()
            codes = [int(c) if c else 0 for c in match.group(1).replace(":", ";").split(";")]
            while codes:
                code = codes.pop(0)
                if code == 0:
                    fg = bg = None
                    bold = reverse = False
                elif code == 1:
                    bold = True
                elif code == 22:
                    bold = False
                elif code == 7:
                    reverse = True
                elif code == 27:
                    reverse = False
                elif code in (38, 48):
                    if codes[:1] == [5]:
                        colour = xterm_colour(codes[1])
                        codes = codes[2:]
                    else:
                        colour = tuple(codes[1:4])
                        codes = codes[4:]
                    if code == 38:
                        fg = colour
                    else:
                        bg = colour
                elif code == 39:
                    fg = None
                elif code == 49:
                    bg = None
                elif 30 <= code <= 37 or 90 <= code <= 97:
                    fg = BASIC[code - 30 if code < 90 else code - 82]
                elif 40 <= code <= 47 or 100 <= code <= 107:
                    bg = BASIC[code - 40 if code < 100 else code - 92]
        blank = Cell(" ", *((bg, fg) if reverse else (fg, bg)), bold)
        rows.append((row + [blank] * width)[:width])
    while len(rows) < height:
        rows.append([Cell(" ", None, None)] * width)
    return rows


def luminance(rgb: tuple[int, int, int]) -> float:
    """Return the relative luminance of a colour (WCAG 2)."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """Return the WCAG contrast ratio of two colours, from 1 (none) to 21."""
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)

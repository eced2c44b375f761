"""Benchmark the kiosk in a browser: page open to Home drawn, and memory per open page.

Runs `faelles kiosk --web` on a demo store and opens the page in Chromium at
1920x1080, the way a library's touch screen does:

* a fresh browser (new profile, empty cache: the fonts come over the wire), and
* the next session in the same browser (the page reloads itself when a session
  ends; the fonts come from its cache),

each --runs times; the time is taken inside the page, from the start of navigation
to the first frame painted after Home is in the terminal. Then --sessions pages are
opened at once and the memory of each one's kiosk process (and of the spare kiosk
waiting for the next page) is read from /proc.

The server keeps a spare kiosk started, as it does by default; --no-spare measures
it without one, each page waiting for its own kiosk process to start.

    .venv/bin/python bench/web_kiosk.py [--runs 10] [--sessions 3] [--no-spare]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from kiosk_page import CHROMIUM, FIND_TEXT, KioskPage, serve_kiosk  # noqa: E402

LOCATION = "Kerteminde Bibliotek"
SCREEN = {"width": 1920, "height": 1080}
# Each frame, look for Home; one frame after it is there, note the time.
CLOCK_HOME = """
(() => {
  const find = %s;
  const look = () => {
    if (find(%r) === null) return requestAnimationFrame(look);
    requestAnimationFrame(() => { window.homeDrawnAt = performance.now(); });
  };
  requestAnimationFrame(look);
})();
"""
FONTS_DONE = """() => Math.max(0, ...performance.getEntriesByType("resource")
  .filter((entry) => entry.name.includes("/fonts/")).map((entry) => entry.responseEnd))"""


def open_home(kiosk: KioskPage, url: str, reload: bool = False) -> tuple[float, float]:
    """Open (or reload) the page; return ms to Home drawn and ms until the fonts had come."""
    if reload:
        kiosk.page.reload()
    else:
        kiosk.open(url)
    kiosk.page.wait_for_function("() => window.homeDrawnAt !== undefined", timeout=60_000)
    return kiosk.page.evaluate("window.homeDrawnAt"), kiosk.page.evaluate(FONTS_DONE)


def memory_kb(pid: int) -> tuple[int, int]:
    """Return (RSS, PSS) of a process in kB: PSS shares pages out among their users."""
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text()
               .splitlines() if line.startswith("VmRSS:"))
    pss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/smaps_rollup").read_text()
               .splitlines() if line.startswith("Pss:"))
    return rss, pss


def cpu_ticks(pids: list[int]) -> int:
    """Return the CPU time the processes have used so far, in clock ticks."""
    total = 0
    for pid in pids:
        try:  # utime and stime, fields 14 and 15 of /proc/PID/stat
            total += sum(int(f) for f in Path(f"/proc/{pid}/stat").read_text()
                         .rsplit(")", 1)[1].split()[11:13])
        except OSError:
            pass  # ended meanwhile
    return total


def settle(server) -> None:
    """Wait until the kiosks are idle: a spare has started and drawn Home.

    The next visitor comes minutes after the last, not the moment a page has
    opened; measured straight away, a page would wait on the spare still starting."""
    last = None
    while True:
        time.sleep(0.5)
        pids = server.kiosk_pids()
        now = (tuple(pids), cpu_ticks(pids))
        if last is not None and now[0] == last[0] and now[1] - last[1] <= 2:
            return
        last = now


def summary(values: list[float]) -> str:
    return (f"{statistics.median(values):7.0f} {min(values):7.0f} {max(values):7.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--spare", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"needs {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from shared.i18n import translator

    home = translator("da").gettext("Welcome to Fælles")
    clock = CLOCK_HOME % (FIND_TEXT, home)
    fresh, fresh_fonts, again = [], [], []
    option = "--spare" if args.spare else "--no-spare"
    with tempfile.TemporaryDirectory() as tmp, \
            serve_kiosk(Path(tmp) / "kiosk.db", option) as server, \
            sync_playwright() as playwright:
        url = f"{server.url}/?location={LOCATION.replace(' ', '%20')}"
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for run in range(args.runs + 1):  # the first warms the OS file cache: not counted
            context = browser.new_context(viewport=SCREEN, has_touch=True)
            kiosk = KioskPage(context.new_page())
            kiosk.page.add_init_script(clock)
            drawn, fonts = open_home(kiosk, url)
            settle(server)
            redrawn, _ = open_home(kiosk, url, reload=True)
            context.close()
            settle(server)
            if run:
                fresh.append(drawn)
                fresh_fonts.append(fonts)
                again.append(redrawn)
                print(f"run {run}: fresh {drawn:.0f} ms (fonts {fonts:.0f} ms), "
                      f"next session {redrawn:.0f} ms", file=sys.stderr)

        context = browser.new_context(viewport=SCREEN, has_touch=True)
        pages = [KioskPage(context.new_page()) for _ in range(args.sessions)]
        for kiosk in pages:
            kiosk.page.add_init_script(clock)
            open_home(kiosk, url)
        settle(server)  # the spare started after the last page has drawn Home too
        kiosks = server.wait_for_kiosks(args.sessions + args.spare)  # oldest first
        sessions = [memory_kb(pid) for pid in kiosks]
        server_rss, server_pss = memory_kb(server.process.pid)
        context.close()
        browser.close()

    print(f"\nThe kiosk in Chromium at {SCREEN['width']}x{SCREEN['height']}, "
          f"{args.runs} runs (ms from navigation start), "
          f"{'a spare kiosk waiting' if args.spare else 'no spare kiosk'}")
    print(f"{'':34} {'median':>7} {'min':>7} {'max':>7}")
    print(f"{'page open to Home, fresh browser':34} {summary(fresh)}")
    print(f"{'  of which fonts arriving':34} {summary(fresh_fonts)}")
    print(f"{'next session (page reloads)':34} {summary(again)}")
    print(f"\nMemory with {args.sessions} pages open (MB)")
    print(f"{'':34} {'RSS':>7} {'PSS':>7}")
    for number, (rss, pss) in enumerate(sessions, 1):
        name = f"kiosk process, page {number}" if number <= args.sessions else "spare kiosk"
        print(f"{name:34} {rss / 1024:7.1f} {pss / 1024:7.1f}")
    print(f"{'textual-serve server (one)':34} {server_rss / 1024:7.1f} {server_pss / 1024:7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

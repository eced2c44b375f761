"""Benchmark the kiosk's start: process start to the Home screen ready.

Measured side by side with a minimal Textual app with one button (the floor),
each started fresh in its own process, alternately, several times. Both run
headless through App.run_test, so the figure is import + build + first screen.

    .venv/bin/python bench/kiosk_start.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIOSK = """
import asyncio, sys
from kiosk import make_kiosk
app = make_kiosk(sys.argv[1], location="Kerteminde Bibliotek")
async def main():
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen.id == "home", app.screen
        print("ready", flush=True)
asyncio.run(main())
"""
FLOOR = """
import asyncio, sys
from textual.app import App
from textual.widgets import Button
class OneButton(App):
    def compose(self):
        yield Button("OK", id="ok")
app = OneButton()
async def main():
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.query_one("#ok")
        print("ready", flush=True)
asyncio.run(main())
"""


def time_to_ready(script: str, db_path: str) -> float:
    """Return seconds from starting the process to its 'ready' line."""
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", script, db_path],
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    elapsed = time.perf_counter() - began
    process.wait(timeout=30)
    process.stdout.close()
    if line.strip() != "ready" or process.returncode != 0:
        raise RuntimeError(f"the app did not get ready: {line!r}, exit {process.returncode}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "kiosk.db")
        env = {**os.environ, "FAELLES_DB": db_path}
        subprocess.run([str(Path(sys.executable).parent / "faelles"), "init", "--demo"],
                       env=env, check=True, capture_output=True)
        time_to_ready(KIOSK, db_path)  # warm the OS file cache for both
        time_to_ready(FLOOR, db_path)
        kiosk, floor = [], []
        for run in range(args.runs):
            kiosk.append(time_to_ready(KIOSK, db_path))
            floor.append(time_to_ready(FLOOR, db_path))
            print(f"run {run + 1}: kiosk {kiosk[-1] * 1000:.0f} ms, "
                  f"one-button app {floor[-1] * 1000:.0f} ms", file=sys.stderr)
    k, f = statistics.median(kiosk), statistics.median(floor)
    print(f"median of {args.runs} runs: kiosk {k * 1000:.0f} ms, one-button Textual app "
          f"{f * 1000:.0f} ms, ratio {k / f:.2f} (target <= 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

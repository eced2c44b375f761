"""Fixtures that build on each other: db_path -> db -> demo_db; a fixed NOW."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from shared.db import open_db

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)

# Run before a script given to run_together; start_together() is its barrier.
_PRELUDE = """
import json, os, sys, time
db_path, worker, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def start_together():
    open(f"{go}.ready{worker}", "w").close()
    while not os.path.exists(go):
        time.sleep(0.001)
"""


@pytest.fixture(autouse=True)
def cheap_pin_hashes(monkeypatch):
    """Hash PINs at a small scrypt cost in this process: the real one takes 128 MiB
    and half a second per hash. Processes a test starts hash at the real cost."""
    from shared import coordinators

    monkeypatch.setattr(coordinators, "SCRYPT_N", 2**10)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "faelles.db"


@pytest.fixture
def db(db_path):
    database = open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def demo_db(db, now):
    from shared.demo import load_demo

    load_demo(db, now=now)
    return db


@pytest.fixture
def contact(db, now):
    from shared.contacts import touch_contact

    return touch_contact(db, "20 11 22 33", now=now, language="da")


@pytest.fixture
def community(db, now) -> str:
    """Create an active community in Munkebo and return its code."""
    from shared.communities import create_community

    create_community(db, code="KAFFE", town="Munkebo", now=now,
                     texts={"da": {"name": "Kaffeklub"}, "en": {"name": "Coffee club"}})
    return "KAFFE"


@pytest.fixture
def run_together(db_path, tmp_path):
    """Run a script in several processes at once on db_path; return what each set as `result`.

    The script calls start_together() when its imports are done, so the
    processes contend for the database rather than for the interpreter start.
    """

    def run(script: str, processes: int = 2, timeout: float = 60, args=()) -> list:
        go = tmp_path / "go"
        code = _PRELUDE + script + "\nprint(json.dumps(result))\n"
        children = [
            subprocess.Popen([sys.executable, "-c", code, str(db_path), str(n), str(go), *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parent.parent)
            for n in range(processes)
        ]
        try:
            deadline = time.monotonic() + timeout
            while not all(Path(f"{go}.ready{n}").exists() for n in range(processes)):
                if time.monotonic() > deadline or any(c.poll() is not None for c in children):
                    break
                time.sleep(0.005)
            go.touch()
            results = []
            for child in children:
                out, err = child.communicate(timeout=timeout)
                assert child.returncode == 0, err
                results.append(json.loads(out.splitlines()[-1]))
            return results
        finally:
            for child in children:
                if child.poll() is None:
                    child.kill()
                    child.wait()

    return run


class Visitor:
    """Drive a running kiosk as a visitor would: keys, taps, and waiting for saves."""

    def __init__(self, pilot):
        self.pilot = pilot
        self.app = pilot.app

    def one(self, selector: str):
        # app.query_one looks at the default screen, not the one on top.
        return self.app.screen.query_one(selector)

    def text(self, selector: str) -> str:
        return str(self.one(selector).render())

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        """Type text as a fast typist would: every key queued at once, then let it settle."""
        from textual import events
        from textual.keys import _character_to_key

        # pilot.press waits for idle after each key (~60 ms); a sentence took seconds.
        for char in text:
            self.app.post_message(events.Key(_character_to_key(char), char))
        await self.pilot.pause()

    async def tap(self, selector: str) -> None:
        """Click a widget where it is drawn, scrolling it into view first.

        pilot.click bypasses App.on_event, so unlike a real touch a tap does not
        reset the kiosk's idle timer; keys (press, type) do.
        """
        widget = self.one(selector)
        if not self.app.screen.region.contains_region(widget.region):
            widget.scroll_visible(animate=False, immediate=True)
            await self.pilot.pause()
        assert await self.pilot.click(widget), f"{selector} is covered or off screen"

    async def until(self, predicate, timeout: float = 5.0) -> None:
        """Let the app run until predicate() holds: workers save in threads."""
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
            await self.pilot.pause(0.02)
        await self.pilot.pause()  # and let the new state be laid out and drawn

    async def settle(self) -> None:
        """Let every worker finish (loads and saves run in threads) and the screen redraw."""
        await self.pilot.pause()
        await self.app.workers.wait_for_complete()
        await self.pilot.pause()
        await self.app.workers.wait_for_complete()
        await self.pilot.pause()

    def screen_text(self) -> str:
        """Return the screen as drawn, as plain text lines (what export_screenshot draws)."""
        import io

        from rich.console import Console

        width, height = self.app.size
        console = Console(width=width, height=height, file=io.StringIO(), record=True,
                          force_terminal=True, color_system="truecolor", legacy_windows=False,
                          safe_box=False)
        console.print(self.app.screen._compositor.render_update(
            full=True, screen_stack=self.app._background_screens))
        lines = console.export_text(styles=False).splitlines()
        return "\n".join(line.rstrip() for line in lines) + "\n"


@pytest.fixture
def kiosk(demo_db, db_path):
    """Return kiosk(size=..., **options): run the kiosk at Munkebo Bibliotek on the demo store."""
    from contextlib import asynccontextmanager

    from kiosk import make_kiosk

    @asynccontextmanager
    async def run(size=(80, 24), **options):
        options = {"location": "Munkebo Bibliotek", "locale": "da", **options}
        app = make_kiosk(db_path, **options)
        async with app.run_test(size=size) as pilot:
            yield Visitor(pilot)

    return run


COORDINATOR_PIN = "123456"


@pytest.fixture
def coordinator_session(kiosk, demo_db, now):
    """Return session(size=...): the kiosk logged in as coordinator Anna (PIN 123456)."""
    from contextlib import asynccontextmanager

    from shared.coordinators import add_coordinator

    anna = add_coordinator(demo_db, "Anna", COORDINATOR_PIN, now=now)

    @asynccontextmanager
    async def run(size=(120, 40), **options):
        async with kiosk(size=size, open_coordinator=True, **options) as visitor:
            app = visitor.app
            await visitor.until(lambda: app.screen.id == "pin")
            app.screen.query_one("#who").value = anna
            await visitor.pilot.pause()
            pin = app.screen.query_one("#pin-code")
            pin.value = COORDINATOR_PIN
            pin.focus()
            await visitor.pilot.press("enter")
            await visitor.until(lambda: app.screen.id == "coordinator")
            yield visitor

    return run

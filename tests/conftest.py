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

    def run(script: str, processes: int = 2, timeout: float = 60) -> list:
        go = tmp_path / "go"
        code = _PRELUDE + script + "\nprint(json.dumps(result))\n"
        children = [
            subprocess.Popen([sys.executable, "-c", code, str(db_path), str(n), str(go)],
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

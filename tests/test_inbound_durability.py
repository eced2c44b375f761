"""Inbound never lost: a store that cannot write answers 503 (Twilio retries), never a late 200.

With a foreign writer holding the lock, replies came after
43.8 s (Twilio gives up at 15 s), and /healthz said 200 on a full disk and while
writes were blocked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shared import db as store
from shared.db import OperationalError, sqlite3
from test_db import HOLD_LOCK_FILE, HOLD_SQLITE, foreign_writer  # noqa: F401  (a fixture)
from test_gateway import (Phone, client, count, make_client, settings)  # noqa: F401  (fixtures)

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def short_wait(monkeypatch):
    # The bound is 5 s; a fifth of a second shows the same behaviour in a test.
    monkeypatch.setattr(store, "WRITE_WAIT_SECONDS", 0.2)


@pytest.mark.parametrize("script", [HOLD_LOCK_FILE, HOLD_SQLITE], ids=["lock-file", "sqlite"])
def test_blocked_writes_get_503_with_retry_after_and_healthz_says_so(client, settings, demo_db,
                                                                     foreign_writer, short_wait,
                                                                     script):
    phone = Phone(client, settings)
    assert client.get("/healthz").status_code == 200
    holder = foreign_writer(script)

    params = phone.params("ROS Tak for kaffen")
    answer = phone.post("/sms", params)
    health = client.get("/healthz")

    assert answer.status_code == 503  # Twilio retries a 5xx; it does not retry a 4xx
    assert answer.headers["Retry-After"] == "5"
    assert health.status_code == 503
    assert "busy" in health.get_data(as_text=True)
    holder.communicate("\n", timeout=10)
    assert count(demo_db, "messages") == 0
    # Twilio's retry, once the writer is gone, is stored and answered.
    assert phone.post("/sms", params).status_code == 200
    assert count(demo_db, "messages") == 2  # the text and its reply
    assert client.get("/healthz").status_code == 200


def test_a_full_disk_gives_503_not_500(client, settings, demo_db, monkeypatch):
    # A stand-in for SQLITE_FULL, for machines where the real full disk below is
    # skipped: every write fails as SQLite fails it when the disk is full.
    full = OperationalError("database or disk is full")
    full.sqlite_errorcode, full.sqlite_errorname = sqlite3.SQLITE_FULL, "SQLITE_FULL"

    def fail(*args, **kwargs):
        raise full

    monkeypatch.setattr("sms_gateway.app.handle_inbound_sms", fail)
    phone = Phone(client, settings)
    answer = phone.post("/sms", phone.params("HJÆLP"))
    assert (answer.status_code, answer.headers["Retry-After"]) == (503, "5")


FULL_DISK = textwrap.dedent("""
    import json, os, sys
    from twilio.request_validator import RequestValidator
    from shared.db import open_db
    from shared.settings import Settings
    from sms_gateway.app import create_app

    folder = sys.argv[1]
    settings = Settings(db_path=os.path.join(folder, "faelles.db"), twilio_auth_token="t")
    client = create_app(settings).test_client()
    validator = RequestValidator("t")

    def text(sid):
        params = {"MessageSid": "SM" + sid * 32, "From": "+4520112233", "To": "+4570000000",
                  "Body": "ROS " + "Tak " * 200, "AccountSid": "AC0"}
        signature = validator.compute_signature("http://localhost/sms", params)
        return client.post("/sms", data=params,
                           headers={"X-Twilio-Signature": signature}).status_code

    result = {"before": [client.get("/healthz").status_code, text("1")]}
    db = open_db(settings.db_path, migrate=False)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next commit must grow the WAL
    with open(os.path.join(folder, "filler"), "wb", buffering=0) as filler:
        for size in (65536, 4096, 512, 1):  # to the last byte
            try:
                while True:
                    filler.write(b"x" * size)
            except OSError:
                pass
    result["full"] = [client.get("/healthz").status_code, text("2")]
    os.remove(os.path.join(folder, "filler"))
    result["freed"] = [client.get("/healthz").status_code, text("2")]
    result["stored"] = db.execute("SELECT count(*) FROM messages WHERE direction = 'in'"
                                  ).fetchone()[0]
    print(json.dumps(result))
""")


def test_a_really_full_disk_gives_503_and_the_retry_is_stored(tmp_path):
    """A 1 MiB tmpfs in a user and mount namespace, filled to the last block."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    folder = tmp_path / "small-disk"
    folder.mkdir()
    script = tmp_path / "full_disk.py"
    script.write_text(FULL_DISK)
    command = (f"mount -t tmpfs -o size=1m tmpfs {folder} && "
               f"exec {sys.executable} {script} {folder}")
    ran = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", command],
                         cwd=PROJECT, capture_output=True, text=True, timeout=120)
    if ran.returncode != 0 and "mount" in ran.stderr and "json" not in ran.stdout:
        pytest.skip(f"cannot mount a tmpfs here: {ran.stderr.strip()[:200]}")
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout.splitlines()[-1])

    assert result["before"] == [200, 200]
    assert result["full"] == [503, 503]  # said, not a 200 on a full disk, and not a 500
    assert result["freed"] == [200, 200]  # Twilio's retry of the refused text
    assert result["stored"] == 2

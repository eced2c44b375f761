"""The gateway's commits share their fdatasync, and none is answered before it is on disk."""

from __future__ import annotations

import threading
import time

import pytest

from sms_gateway import group_sync
from sms_gateway.group_sync import GroupSync

WAIT_S = 30  # generous: these wait on threads, never on the clock's progress


class Disk:
    """An fdatasync that waits until the test lets each call finish, one by one."""

    def __init__(self, monkeypatch, fail_first: bool = False):
        self.calls = 0
        self.started = threading.Semaphore(0)
        self.allowed = threading.Semaphore(0)
        self.fail_first = fail_first
        monkeypatch.setattr(group_sync.os, "fdatasync", self.fdatasync)

    def fdatasync(self, fd):
        self.calls += 1
        call = self.calls
        self.started.release()
        assert self.allowed.acquire(timeout=WAIT_S), "the test never let the sync finish"
        if self.fail_first and call == 1:
            raise OSError(5, "Input/output error")

    def finish_one(self) -> None:
        assert self.started.acquire(timeout=WAIT_S), "no sync began"
        self.allowed.release()


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "faelles.db"
    path.write_bytes(b"")
    (tmp_path / "faelles.db-wal").write_bytes(b"")
    return GroupSync(str(path))


def committing(sync: GroupSync, answered: list, name: str) -> threading.Thread:
    """Start a request thread that committed and now waits for the disk."""
    def request():
        try:
            sync.commit_is_durable()
            answered.append(name)
        except OSError as error:
            answered.append(f"{name} failed: {error.strerror}")

    thread = threading.Thread(target=request)
    thread.start()
    return thread


def until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_commits_made_during_a_sync_share_the_next_one(store, monkeypatch):
    disk = Disk(monkeypatch)
    answered = []
    first = committing(store, answered, "first")
    assert disk.started.acquire(timeout=WAIT_S)  # the first request's sync is under way
    others = [committing(store, answered, f"r{n}") for n in range(4)]
    until(lambda: store._committed == 5, "the other requests never committed")

    disk.allowed.release()  # the first sync ends: it began before the others committed
    first.join(WAIT_S)
    assert answered == ["first"]  # the others are not on the disk yet, so not answered

    disk.finish_one()  # one sync for the four
    for thread in others:
        thread.join(WAIT_S)
    assert sorted(answered) == ["first", "r0", "r1", "r2", "r3"]
    assert disk.calls == 2 and store.syncs == 2


def test_alone_a_commit_gets_its_own_sync(store, monkeypatch):
    disk = Disk(monkeypatch)
    for n in range(3):
        answered = []
        thread = committing(store, answered, f"r{n}")
        disk.finish_one()
        thread.join(WAIT_S)
        assert answered == [f"r{n}"]
    assert disk.calls == 3


def test_a_failed_sync_fails_its_request_and_the_next_request_syncs_again(store, monkeypatch):
    disk = Disk(monkeypatch, fail_first=True)
    answered = []
    first = committing(store, answered, "first")
    assert disk.started.acquire(timeout=WAIT_S)
    second = committing(store, answered, "second")
    until(lambda: store._committed == 2, "the second request never committed")

    disk.allowed.release()  # the disk fails: the first request is told so (a 500, retried)
    first.join(WAIT_S)
    disk.finish_one()  # the second is never answered on the strength of a failed sync
    second.join(WAIT_S)
    assert answered == ["first failed: Input/output error", "second"]
    assert disk.calls == 2


def test_without_a_wal_the_database_file_is_synced(tmp_path, monkeypatch):
    path = tmp_path / "faelles.db"
    path.write_bytes(b"")
    synced = []
    monkeypatch.setattr(group_sync.os, "fdatasync",
                        lambda fd: synced.append(group_sync.os.readlink(f"/proc/self/fd/{fd}")))
    GroupSync(str(path)).commit_is_durable()
    assert synced == [str(path)]

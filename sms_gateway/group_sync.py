"""One fdatasync for many commits: the gateway's answers wait for the disk together.

The 200 (or 204) tells the provider a text is ours, so what the request
committed must survive a power cut, not only a crashed process. The store's
connections run with synchronous=NORMAL: in WAL mode SQLite writes each commit
to the WAL file without syncing it (it syncs the WAL before each checkpoint,
and the WAL header when the file is reused). An fdatasync of the WAL after
COMMIT makes that commit, and every one written before the sync began, as
durable as synchronous=FULL would, and it runs outside the write lock, so other
requests write meanwhile.

With several requests in a process (gunicorn's threaded workers) each need not
sync for itself: a request waits while one sync is under way, and the sync
after it covers every commit made until it began. Under load one fdatasync
then answers for several texts, while each still waits until its own commit
is on the disk.
"""

from __future__ import annotations

import os
import threading


class GroupSync:
    """Make committed transactions of one store durable, sharing each fdatasync."""

    def __init__(self, db_path: str):
        self.db_path = db_path
        self._lock = threading.Lock()
        self._synced_one = threading.Condition(self._lock)
        self._committed = 0  # commits reported so far, numbered from 1
        self._durable = 0  # every commit up to this number is on the disk
        self._syncing = False
        self._wal = None  # the WAL file whose directory entry is known to be synced
        self.syncs = 0  # how many fdatasyncs this process ran (for tests and logs)

    def commit_is_durable(self) -> None:
        """Return once everything the calling thread committed is on the disk."""
        with self._lock:
            self._committed += 1
            mine = self._committed
            while self._durable < mine:
                if self._syncing:
                    self._synced_one.wait()  # that sync may have begun before our commit
                    continue
                self._syncing = True
                covers = self._committed  # each of these had committed before we sync
                self._lock.release()
                synced = False
                try:
                    self._sync()
                    synced = True
                finally:
                    self._lock.acquire()
                    self._syncing = False
                    if synced:
                        self._durable = max(self._durable, covers)
                    self._synced_one.notify_all()  # after a failure, another thread tries

    def _sync(self) -> None:
        try:
            fd = os.open(self.db_path + "-wal", os.O_RDONLY)
        except FileNotFoundError:  # not in WAL mode: the commit went to the database file
            fd = os.open(self.db_path, os.O_RDONLY)
        try:
            os.fdatasync(fd)
            self.syncs += 1
            # A new WAL file is a new directory entry, which needs the directory synced.
            identity = os.fstat(fd)[1:3]  # inode and device
            if self._wal != identity:
                directory = os.open(os.path.dirname(os.path.abspath(self.db_path)), os.O_RDONLY)
                try:
                    os.fsync(directory)
                finally:
                    os.close(directory)
                self._wal = identity
        finally:
            os.close(fd)

"""The kiosk's store: one connection per process, lent to workers, never used on the UI thread."""

from __future__ import annotations

import pytest

from kiosk.app import UIThreadDatabaseError

pytestmark = pytest.mark.asyncio


async def test_database_work_on_the_ui_thread_is_refused(kiosk):
    async with kiosk() as k:
        with pytest.raises(UIThreadDatabaseError):
            with k.app.store():
                pass


async def test_workers_share_one_connection_opened_once(kiosk):
    async with kiosk() as k:
        seen = []

        def borrow():
            with k.app.store() as db:
                seen.append(db)

        for _ in range(3):
            worker = k.app.run_worker(borrow, thread=True)
            await worker.wait()
        assert len(seen) == 3 and seen[0] is seen[1] is seen[2]

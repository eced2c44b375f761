"""Exports beside the store: erasure reaches them, and the purge removes old ones."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from shared.contacts import find_contact
from shared.coordinators import add_coordinator
from shared.export_files import exports_folder, forget_in_exports
from shared.services.coordinator import export_csv_files, export_person, export_xlsx_files
from shared.services.operator import erase, purge_old

PHONE = "+4520110303"  # an English demo contact with memberships and messages
OTHER = "+4520110101"


@pytest.fixture
def exported(demo_db, db_path, now):
    """Write every kind as CSV and XLSX and an access file for PHONE; return the folder."""
    from shared.exports import EXPORT_KINDS

    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    folder = exports_folder(db_path)
    export_csv_files(demo_db, EXPORT_KINDS, folder, coordinator_id=anna, now=now)
    export_xlsx_files(demo_db, EXPORT_KINDS, folder, coordinator_id=anna, now=now)
    export_person(demo_db, find_contact(demo_db, PHONE)["id"], folder, coordinator_id=anna,
                  now=now)
    export_person(demo_db, find_contact(demo_db, OTHER)["id"], folder, coordinator_id=anna,
                  now=now)
    return folder


def xlsx_text(path) -> str:
    workbook = load_workbook(path, read_only=True)
    try:
        return "\n".join(str(cell) for row in workbook.worksheets[0].iter_rows(values_only=True)
                         for cell in row)
    finally:
        workbook.close()


def everything(folder) -> str:
    return "\n".join(xlsx_text(p) if p.suffix == ".xlsx" else p.read_text("utf-8-sig")
                     for p in sorted(folder.iterdir()))


def test_the_exports_are_beside_the_store(db_path):
    assert exports_folder(db_path) == db_path.resolve().parent / "exports"


def test_erasure_removes_the_number_from_every_export_and_keeps_the_others(demo_db, exported,
                                                                          now):
    assert PHONE in everything(exported) and OTHER in everything(exported)
    members_before = next(exported.glob("members-*.csv")).read_bytes().decode("utf-8-sig")

    removed = erase(demo_db, PHONE, now=now)

    assert PHONE not in everything(exported)
    assert OTHER in everything(exported)
    assert removed["export files"] >= 3
    contact_files = sorted(p.name for p in exported.glob("contact-*.json"))
    assert len(contact_files) == 1
    assert json.loads((exported / contact_files[0]).read_text())["contact"]["phone"] == OTHER
    # The rest of a rewritten export is as it was: header, separator, line ends.
    members_after = next(exported.glob("members-*.csv")).read_bytes().decode("utf-8-sig")
    kept = [line for line in members_before.split("\r\n") if PHONE not in line]
    assert members_after.split("\r\n") == kept
    assert oct(next(exported.glob("members-*.csv")).stat().st_mode & 0o777) == "0o600"


def test_a_file_without_the_number_is_left_alone(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    other = folder / "offers-1.csv"
    other.write_text("id;phone\r\n1;'+4520110101\r\n")
    before = other.stat().st_mtime_ns
    assert forget_in_exports(folder, phone=PHONE, contact_id=99) == []
    assert other.stat().st_mtime_ns == before


def test_the_purge_removes_exports_older_than_the_retention(demo_db, exported, now):
    old = sorted(exported.glob("*.csv"))[:2]
    long_ago = (now - timedelta(days=400)).timestamp()
    for path in old:
        os.utime(path, (long_ago, long_ago))
    notes = exported / "notes.txt"  # not an export: never ours to delete
    notes.write_text("x")
    os.utime(notes, (long_ago, long_ago))

    removed = purge_old(demo_db, now=now, days=365)

    assert removed["export files"] == 2
    assert not any(path.exists() for path in old) and notes.exists()
    assert len(list(exported.glob("*.csv"))) > 0

"""The files coordinators export beside the store: where they are, and forgetting them.

An erased person must not live on in a CSV a coordinator saved last month, nor
in the access-request file written for them: erasure rewrites or deletes those
files, and the purge deletes exports older than the retention.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from shared.db import Database
from shared.exports import save_private, xlsx_bytes

log = logging.getLogger(__name__)

FOLDER_NAME = "exports"
# What the coordinator's tabs write there; nothing else in the folder is touched.
SUFFIXES = (".csv", ".xlsx", ".json")


def exports_folder(db_path: str | Path) -> Path:
    """Return the folder beside the store where coordinators' exports go."""
    return Path(db_path).resolve().parent / FOLDER_NAME


def store_exports(db: Database) -> Path | None:
    """Return the exports folder of the store db has open, or None for an in-memory one."""
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return exports_folder(file) if file else None
    return None


def access_file_name(contact_id: int, stamp: str) -> str:
    """Return the name of an access-request file: the contact's id, never the number."""
    return f"contact-{contact_id}-{stamp}"


def forget_in_exports(folder: Path | None, *, phone: str, contact_id: int) -> list[Path]:
    """Delete the contact's access files and rewrite exports without rows holding the number.

    Return the files changed or deleted.
    """
    if folder is None or not folder.is_dir():
        return []
    changed = []
    for path in sorted(folder.glob(f"{access_file_name(contact_id, '')}*.json")):
        path.unlink(missing_ok=True)
        changed.append(path)
    for path in sorted(folder.glob("*.csv")):
        if _rewrite_csv(path, phone):
            changed.append(path)
    for path in sorted(folder.glob("*.xlsx")):
        if _rewrite_xlsx(path, phone):
            changed.append(path)
    if changed:
        log.info("erase: %d exported files rewritten or deleted", len(changed))
    return changed


def remove_old_exports(folder: Path | None, *, now: datetime, days: int) -> list[Path]:
    """Delete the exports last written more than `days` ago; return them."""
    if folder is None or not folder.is_dir():
        return []
    cutoff = (now - timedelta(days=days)).timestamp()
    old = [path for path in sorted(folder.iterdir())
           if path.is_file() and path.suffix in SUFFIXES and path.stat().st_mtime < cutoff]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def _holds(value, phone: str) -> bool:
    return isinstance(value, str) and phone in value


def _rewrite_csv(path: Path, phone: str) -> bool:
    raw = path.read_bytes().decode("utf-8", errors="replace")
    if phone not in raw:
        return False
    bom = "\ufeff" if raw.startswith("\ufeff") else ""
    body = raw[len(bom):]
    # Our exports are ";" for Danish Excel (coordinator mode) or "," (the command).
    delimiter = ";" if ";" in body.split("\n", 1)[0] else ","
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter))
    kept = [r for index, r in enumerate(rows)
            if index == 0 or not any(_holds(cell, phone) for cell in r)]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter,
               lineterminator="\r\n" if "\r\n" in body else "\n").writerows(kept)
    save_private(path, bom + buffer.getvalue())
    return True


def _rewrite_xlsx(path: Path, phone: str) -> bool:
    workbook = load_workbook(path, read_only=True)
    try:
        sheet = workbook.worksheets[0]
        title = sheet.title
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    if not any(_holds(cell, phone) for r in rows for cell in r):
        return False
    names = [str(name) for name in rows[0]] if rows else []
    kept = [dict(zip(names, r)) for r in rows[1:] if not any(_holds(cell, phone) for cell in r)]
    save_private(path, xlsx_bytes(names, kept, title=title))
    return True

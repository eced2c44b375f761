"""Rows for `faelles export`: the fields outside tools rely on for each kind."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from shared.db import Database
from shared.sms_text import clean_characters

_QUERIES = {
    "offers": """
        SELECT o.id, c.phone, o.category, o.description, o.town, o.availability, o.status,
               o.channel, o.location, o.created_at, o.answer
        FROM offers o LEFT JOIN contacts c ON c.id = o.contact_id ORDER BY o.id""",
    "feedback": """
        SELECT f.id, c.phone, f.kind, f.text, f.rating, f.town, f.status, f.channel,
               f.location, f.created_at, f.reply
        FROM feedback f LEFT JOIN contacts c ON c.id = f.contact_id ORDER BY f.id""",
    "communities": """
        SELECT c.code, da.name AS name_da, en.name AS name_en, c.town, c.place, c.status,
               da.schedule AS schedule_da,
               (SELECT count(*) FROM memberships m
                 WHERE m.community_id = c.id AND m.left_at IS NULL) AS members,
               c.created_at,
               (SELECT group_concat(l.first_name, ', ') FROM leaders l
                 WHERE l.community_id = c.id) AS leaders
        FROM communities c
        LEFT JOIN community_texts da ON da.community_id = c.id AND da.language = 'da'
        LEFT JOIN community_texts en ON en.community_id = c.id AND en.language = 'en'
        ORDER BY c.code""",
    "members": """
        SELECT c.code, p.phone, m.joined_at, m.channel, m.location
        FROM memberships m JOIN communities c ON c.id = m.community_id
        JOIN contacts p ON p.id = m.contact_id
        WHERE m.left_at IS NULL ORDER BY c.code, m.joined_at""",
    "messages": """
        SELECT id, direction, phone, provider_id, body, encoding, segments, kind, status,
               attempts, error_code, created_at, updated_at
        FROM messages ORDER BY id""",
    # The unsorted inbox: texts that were no keyword, and what became of them.
    "inbox": """
        SELECT u.id, c.phone, u.language, u.text, u.status, u.reply, u.record_id,
               u.created_at, u.updated_at
        FROM unsorted u JOIN contacts c ON c.id = u.contact_id ORDER BY u.id""",
    "needs": """
        SELECT n.id, c.phone, n.description, n.category, n.town, n.needed_when AS "when",
               n.status, n.channel, n.location, n.created_at
        FROM needs n JOIN contacts c ON c.id = n.contact_id ORDER BY n.id""",
    # Numbers are shared only when both said yes: an export shares no more than that.
    "introductions": """
        SELECT i.id, i.need_id, i.offer_id, i.status, i.ended_reason,
               i.need_answer, i.need_answered_at, i.offer_answer, i.offer_answered_at,
               CASE WHEN i.status = 'agreed' THEN nc.phone END AS need_phone,
               CASE WHEN i.status = 'agreed' THEN oc.phone END AS offer_phone,
               i.created_at
        FROM introductions i
        LEFT JOIN needs n ON n.id = i.need_id LEFT JOIN contacts nc ON nc.id = n.contact_id
        LEFT JOIN offers o ON o.id = i.offer_id LEFT JOIN contacts oc ON oc.id = o.contact_id
        ORDER BY i.id""",
}

EXPORT_KINDS = tuple(_QUERIES)


def export_rows(db: Database, kind: str) -> list[dict]:
    """Return every row of one export kind as dicts."""
    return export_table(db, kind)[1]


def export_table(db: Database, kind: str) -> tuple[list[str], list[dict]]:
    """Return the column names (known even with no rows) and the rows of one export kind."""
    if kind not in _QUERIES:
        raise ValueError(f"Unknown export kind {kind!r}; choose one of {', '.join(EXPORT_KINDS)}")
    cursor = db.conn.execute(_QUERIES[kind])
    names = [column[0] for column in cursor.description]
    # What was stored before today's cleaning (or came from the provider) may hold
    # escape sequences a terminal would run, or invisible characters: not out.
    return names, [{name: clean_characters(value) if isinstance(value, str) else value
                    for name, value in zip(names, values)} for values in cursor.fetchall()]


# OWASP, CSV Injection (https://owasp.org/www-community/attacks/CSV_Injection): a
# spreadsheet runs a cell that begins with =, +, - or @ as a formula, and one that
# begins with a tab or carriage return may become one once trimmed. A leading single
# quote makes such a cell text: feedback and offers starting with "=" must not run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Return value with a leading ' if a spreadsheet would run it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(names: list[str], records: list[dict], *, delimiter: str = ",",
             lineterminator: str = "\n") -> str:
    """Return the rows as CSV under a header, every cell a spreadsheet would run neutralised."""
    buffer = io.StringIO()
    # The csv module quotes a cell holding the separator, a quote or a line break.
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow([neutralise_cell(name) for name in names])
    writer.writerows([neutralise_cell(record[name]) for name in names] for record in records)
    return buffer.getvalue()


def xlsx_bytes(names: list[str], records: list[dict], *, title: str) -> bytes:
    """Return the rows as an XLSX workbook in which every cell is typed text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])  # Excel's longest sheet name
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, name, bold) for name in names])
    for record in records:
        sheet.append([_text_cell(sheet, record[name]) for name in names])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, value, font: Font | None = None) -> WriteOnlyCell:
    # Typed text, not what openpyxl would guess: "=1+1" would become a formula and a
    # phone number or "0042" a number without its + or 0. Format "@" (Text) keeps
    # what a coordinator types into the cell later as text too.
    cell = WriteOnlyCell(sheet)
    if value is not None:
        # XML cannot hold most control characters (ESC, BEL): show that one was there.
        cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
        cell.data_type = "s"
    cell.number_format = "@"
    if font is not None:
        cell.font = font
    return cell


def write_private(folder: Path, name: str, suffix: str, data: str | bytes) -> Path:
    """Write text or bytes to a new file readable by its owner only; never overwrite one."""
    # Exports hold personal data: keep them out of other users' reach.
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for attempt in range(1, 100):
        path = folder / (f"{name}{suffix}" if attempt == 1 else f"{name}-{attempt}{suffix}")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with open(descriptor, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path
    raise FileExistsError(f"Too many exports named {name} in {folder}")


def save_private(path: Path, data: str | bytes) -> Path:
    """Write text or bytes to path, replacing it whole, readable by its owner only."""
    path = Path(path)
    # mkstemp makes the file 0600; renaming it over path means nobody ever reads
    # half an export, and an older file at path keeps none of its permissions.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with open(descriptor, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path

"""Coordinator mode, Overview and Audit log: weekly numbers, queues, the log, CSV and XLSX exports."""

from __future__ import annotations

import csv
import stat

import pytest
from openpyxl import load_workbook

from shared.db import rows
from shared.exports import EXPORT_KINDS, export_table
from shared.offers import record_offer
from pdf_reading import needs_pdf, pdf_text

pytestmark = pytest.mark.asyncio

# The demo is loaded relative to conftest's NOW (Friday 27 November 2026, week 48);
# this week began Monday 23 November at 00:00 in Copenhagen, 22 November 23:00 UTC.
WEEK_48 = "2026-11-22T23:00:00+00:00"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch, now):
    monkeypatch.setattr("kiosk.coordinator.overview_pane.utcnow", lambda: now)


async def open_tab(visitor, tab: str) -> None:
    visitor.one("#tabs").active = tab
    await visitor.pilot.pause()


def numbers(visitor, kind: str, channel: str) -> list[int]:
    return [int(n) for n in visitor.text(f"#numbers-{kind}-{channel}").split()]


def offers_this_week(db, now) -> dict[str, int]:
    found = rows(db, "SELECT channel, count(*) AS n FROM offers WHERE created_at >= ?"
                     " AND created_at <= ? GROUP BY channel", (WEEK_48, now.isoformat()))
    return {r["channel"]: r["n"] for r in found}


async def test_overview_counts_match_the_database(coordinator_session, demo_db, now):
    expected = offers_this_week(demo_db, now)
    waiting = rows(demo_db, "SELECT count(*) AS n FROM offers WHERE status = 'pending'")[0]["n"]
    async with coordinator_session() as k:
        await open_tab(k, "tab-overview")
        await k.until(lambda: k.text("#overview-weeks") != "")
        assert k.text("#overview-weeks").split() == [str(w) for w in range(41, 49)]
        for channel in ("sms", "kiosk"):
            counts = numbers(k, "offers", channel)
            assert len(counts) == 8
            assert counts[-1] == expected.get(channel, 0)
            assert list(k.one(f"#spark-offers-{channel}").data) == counts
        assert sum(numbers(k, "offers", "sms") + numbers(k, "offers", "kiosk")) == 7
        queue = k.text("#queue-offers")
        assert f"; {waiting} " in queue
        assert k.app.ngettext("{n} day", "{n} days", 7).format(n=7) in queue  # 7 days 3 hours
        assert "Langeskov Bibliotek: 1" in k.text("#places-offers")
        drawn = k.screen_text()
        assert k.app._("Offers (SMS)") in drawn and "▁" in drawn
    assert expected == {"sms": 3, "kiosk": 1}  # the demo, as a sanity check of the above


async def test_needs_introductions_and_needs_met_are_counted_too(coordinator_session, demo_db,
                                                                  now):
    from shared.demo_data import NEEDS
    from shared.services import introducing
    from shared.services.decisions import decide_offer

    demo = rows(demo_db, "SELECT id FROM coordinators")[0]["id"]
    driver = rows(demo_db, "SELECT o.id FROM offers o JOIN contacts c ON c.id = o.contact_id"
                           " WHERE c.phone = '+4520110303'")[0]["id"]
    decide_offer(demo_db, driver, "approve", coordinator_id=demo, now=now)
    need = rows(demo_db, "SELECT id FROM needs ORDER BY id")[0]["id"]
    introducing.propose(demo_db, need, driver, coordinator_id=demo, now=now)
    async with coordinator_session() as k:
        await open_tab(k, "tab-overview")
        await k.until(lambda: k.text("#overview-weeks") != "")
        by_channel = {channel: sum(numbers(k, "needs", channel)) for channel in ("sms", "kiosk")}
        assert by_channel == {channel: sum(n["channel"] == channel for n in NEEDS)
                              for channel in ("sms", "kiosk")}
        assert "Kerteminde Bibliotek: 1" in k.text("#places-needs")
        assert numbers(k, "introductions", "all")[-1] == 1
        assert sum(numbers(k, "needs_met", "all")) == 0
        # The introduced need waits for answers, not for a coordinator: two are left.
        assert "; 2 " in k.text("#queue-needs")
        assert k.app._("Needs met") in k.screen_text()


async def test_g_counts_again(coordinator_session, demo_db, now):
    async with coordinator_session() as k:
        await open_tab(k, "tab-overview")
        await k.until(lambda: k.text("#overview-weeks") != "")
        before = numbers(k, "offers", "kiosk")[-1]
        record_offer(demo_db, description="En stige", channel="kiosk", now=now,
                     location="Munkebo Bibliotek")
        k.one("#overview").focus()
        await k.press("g")
        await k.until(lambda: numbers(k, "offers", "kiosk")[-1] == before + 1)
        assert "Munkebo Bibliotek: 1" in k.text("#places-offers")


async def test_audit_log_lists_the_login_newest_first(coordinator_session):
    async with coordinator_session() as k:
        await open_tab(k, "tab-audit")
        table = k.one("#audit-table")
        await k.until(lambda: table.row_count > 0)
        newest = [str(cell) for cell in table.get_row_at(0)]
        # The action in the coordinator's language, not the stored code.
        assert newest[1:3] == ["Anna", k.app._("logged in")]
        assert newest[2] != "login"


async def test_csv_export_writes_every_kind_with_a_header(coordinator_session, demo_db,
                                                          db_path):
    folder = db_path.parent / "exports"
    async with coordinator_session() as k:
        await open_tab(k, "tab-audit")
        await k.tap("#export-all")
        await k.until(lambda: folder.exists()
                      and len(list(folder.iterdir())) == len(EXPORT_KINDS))
        table = k.one("#audit-table")
        await k.until(lambda: str(table.get_row_at(0)[2]) == k.app._("exported"))
    files = {path.name.split("-")[0]: path for path in folder.iterdir()}
    assert set(files) == set(EXPORT_KINDS)
    for kind, path in files.items():
        assert path.suffix == ".csv"
        # The byte order mark for æ, ø, å, and ";", Danish Excel's list separator.
        assert path.read_bytes().startswith(b"\xef\xbb\xbf" + names_line(demo_db, kind))
        with open(path, encoding="utf-8-sig", newline="") as f:
            written = list(csv.reader(f, delimiter=";"))
        names, records = export_table(demo_db, kind)
        assert written[0] == names  # a header even when there are no rows (messages)
        assert len(written) == len(records) + 1
    offers = files["offers"].read_text(encoding="utf-8-sig")
    assert "Jeg har en trailer og en god boremaskine" in offers
    exported = rows(demo_db, "SELECT * FROM audit WHERE action = 'export'")
    assert sorted(e["record_kind"] for e in exported) == sorted(EXPORT_KINDS)
    assert {e["coordinator_id"] for e in exported} == {k.app.coordinator["id"]}


def names_line(db, kind: str) -> bytes:
    return ";".join(export_table(db, kind)[0]).encode() + b"\r\n"


async def test_csv_cells_a_spreadsheet_would_run_are_neutralised(coordinator_session, demo_db,
                                                                db_path, now):
    # These went out raw, and Excel ran them.
    texts = ["=1+1", "+45 tal", "-2+3", "@SUM(A1)", "a;b, \"c\""]
    for text in texts:
        record_offer(demo_db, description=text, channel="kiosk", now=now)
    folder = db_path.parent / "exports"
    async with coordinator_session() as k:
        await open_tab(k, "tab-audit")
        await k.tap("#export-offers")
        await k.until(lambda: folder.exists() and any(folder.iterdir()))
    [path] = folder.iterdir()
    with open(path, encoding="utf-8-sig", newline="") as f:
        written = list(csv.DictReader(f, delimiter=";"))
    assert [r["description"] for r in written[-5:]] == [
        "'=1+1", "'+45 tal", "'-2+3", "'@SUM(A1)", 'a;b, "c"']
    assert {r["phone"] for r in written} - {""} <= {"'" + r["phone"] for r in rows(
        demo_db, "SELECT phone FROM contacts")}


async def test_all_to_excel_writes_typed_text_files(coordinator_session, demo_db, db_path, now):
    record_offer(demo_db, description="=1+1", channel="kiosk", now=now)
    folder = db_path.parent / "exports"
    async with coordinator_session() as k:
        await open_tab(k, "tab-audit")
        assert k.app._("All to Excel files (x)") in k.screen_text()
        await k.tap("#export-all-xlsx")
        await k.until(lambda: folder.exists()
                      and len(list(folder.iterdir())) == len(EXPORT_KINDS))
        table = k.one("#audit-table")
        await k.until(lambda: str(table.get_row_at(0)[2]) == k.app._("exported"))
    files = {path.name.split("-")[0]: path for path in folder.iterdir()}
    assert set(files) == set(EXPORT_KINDS)
    for kind, path in files.items():
        assert path.suffix == ".xlsx" and stat.S_IMODE(path.stat().st_mode) == 0o600
        sheet = load_workbook(path)[kind]
        names, records = export_table(demo_db, kind)
        found = [[c.value for c in row] for row in sheet.iter_rows()]
        assert found == [names] + [[None if r[n] is None else str(r[n]) for n in names]
                                   for r in records]
        assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row
                   if c.value is not None)
    offers = [[c.value for c in row] for row in load_workbook(files["offers"]).active.iter_rows()]
    assert ["=1+1"] == [v for v in offers[-1] if v == "=1+1"]  # a text, not a formula
    assert any(v.startswith("+45") for row in offers[1:] for v in row if v)
    exported = rows(demo_db, "SELECT * FROM audit WHERE action = 'export'")
    assert sorted(e["record_kind"] for e in exported) == sorted(EXPORT_KINDS)


async def test_x_exports_everything_to_excel_and_fits_80_columns(coordinator_session, db_path):
    folder = db_path.parent / "exports"
    async with coordinator_session(size=(80, 24)) as k:
        await open_tab(k, "tab-audit")
        buttons = k.app.screen.query("#audit Button.export")
        assert all(b.region.right <= 80 and b.region.width >= len(str(b.label))
                   for b in buttons)
        k.one("#audit-table").focus()
        await k.press("x")
        await k.until(lambda: folder.exists()
                      and len(list(folder.iterdir())) == len(EXPORT_KINDS))
    assert {p.suffix for p in folder.iterdir()} == {".xlsx"}


async def test_one_kind_at_a_time(coordinator_session, db_path):
    folder = db_path.parent / "exports"
    async with coordinator_session() as k:
        await open_tab(k, "tab-audit")
        await k.tap("#export-members")
        await k.until(lambda: folder.exists() and any(folder.iterdir()))
        await k.pilot.pause(0.1)
    assert [p.name.split("-")[0] for p in folder.iterdir()] == ["members"]


async def test_every_series_is_named_whole_and_its_bars_show_on_black(coordinator_session):
    from terminal import contrast

    async with coordinator_session(size=(80, 24), locale="da") as k:
        await open_tab(k, "tab-overview")
        await k.until(lambda: k.text("#overview-weeks") != "")
        drawn = k.screen_text()
        for name in ("Nye medlemmer (kiosk)", "Nye medlemmer (sms)", "Ris og ros (kiosk)"):
            assert name in drawn
        spark = k.one("#spark-joins-kiosk")
        background = spark.background_colors[1].rgb
        for part in ("sparkline--max-color", "sparkline--min-color"):
            colour = spark.get_component_styles(part).color
            shown = background if colour is None else (
                spark.background_colors[1] + colour).rgb
            # WCAG 2 asks 3:1 for what must be seen but is not text.
            assert contrast(shown, background) >= 3, f"{part}: {shown} on {background}"


async def test_people_per_week_are_the_reports(coordinator_session, demo_db, now):
    from datetime import timedelta

    from shared.report_figures import people_per_week
    from shared.report_periods import Period, week_of

    async with coordinator_session() as k:
        await open_tab(k, "tab-overview")
        await k.until(lambda: k.text("#overview-weeks") != "")
        # This week as the report would count it, had it been asked for this week.
        monday = week_of(now)
        week = Period(monday, monday + timedelta(days=6))
        report = people_per_week(demo_db, week.mondays(), week.since, week.until)
        for channel in ("sms", "kiosk"):
            assert numbers(k, "people", channel)[-1] == report.by_channel[channel][0]
        assert numbers(k, "people", "sms")[-1] > 0
        assert k.app._("People who texted") in k.screen_text()


@needs_pdf
async def test_s_saves_last_months_report_beside_the_store(coordinator_session, demo_db,
                                                           db_path):
    folder = db_path.parent / "exports"
    async with coordinator_session() as k:
        await open_tab(k, "tab-overview")
        await k.until(lambda: k.text("#overview-weeks") != "")
        k.one("#overview").focus()
        await k.press("s", "s")  # a second press while it is made makes no second file
        await k.until(lambda: folder.is_dir() and any(folder.glob("*.pdf")), timeout=90)
        [report] = folder.glob("*.pdf")
        # The clock says 27 November 2026: last month is October.
        assert report.name == "report-2026-10.pdf"
        await k.until(lambda: any(str(report) in n.message for n in k.app._notifications))
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    text = pdf_text(report, layout=False)
    assert "oktober 2026" in text and "Kort fortalt" in text  # the kiosk's language
    saved = rows(demo_db, "SELECT * FROM audit WHERE action = 'report_save'")
    assert [entry["coordinator_id"] for entry in saved] == [k.app.coordinator["id"]]

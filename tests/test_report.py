"""`faelles report`: the PDF read back with pdftotext agrees with `faelles export`, and holds no number."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from faelles.cli import main
from shared.clock import utcnow
from shared.db import open_db
from shared.demo_data import CONTACTS
from shared.feedback import record_feedback, set_for_report
from shared.i18n import TIMEZONE, translator
from shared.report_page import anonymise
from pdf_reading import needs_pdf, pages, pdf_text


@pytest.fixture
def faelles(tmp_path, monkeypatch):
    """Run `faelles ARGS` against a demo store in tmp_path; return the result."""
    monkeypatch.setenv("FAELLES_DB", str(tmp_path / "report.db"))
    monkeypatch.setenv("FAELLES_LOCALE", "en")
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, list(args))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run("init", "--demo")
    return run


@pytest.fixture
def span():
    """Return --from and --to around the whole demo (loaded relative to now), and the bounds."""
    today = utcnow().astimezone(TIMEZONE).date()
    first, last = today - timedelta(days=45), today
    since = datetime.combine(first, datetime.min.time(), tzinfo=TIMEZONE)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=TIMEZONE)
    return {"args": ["--from", f"{first}", "--to", f"{last}"], "since": since, "until": until}


def exported(faelles, kind: str, column: str, span) -> list[dict]:
    """Return the rows `faelles export KIND` prints whose column falls in the span."""
    rows = json.loads(faelles("export", kind).stdout)
    return [r for r in rows if span["since"] <= datetime.fromisoformat(r[column]) < span["until"]]


def shown(count: int) -> str:
    return str(count) if count >= 5 else "under 5"


def row(text: str, label: str) -> list[str]:
    """Return the cells after a row's label in pdftotext -layout output."""
    for line in text.splitlines():
        if line.strip().startswith(label + "  "):
            return re.split(r"\s{2,}", line.strip()[len(label):].strip())
    raise AssertionError(f"no row {label!r} in the report")


@needs_pdf
def test_the_report_counts_what_the_export_holds(faelles, span, tmp_path):
    path = tmp_path / "report.pdf"
    faelles("report", *span["args"], "--language", "en", "-o", str(path))
    text = pdf_text(path)
    offers = exported(faelles, "offers", "created_at", span)
    feedback = exported(faelles, "feedback", "created_at", span)
    members = exported(faelles, "members", "joined_at", span)
    inbox = exported(faelles, "inbox", "created_at", span)
    assert (len(offers), len(feedback), len(members), len(inbox)) == (7, 7, 18, 3)
    # This period, then the one before it (nothing in the demo is that old).
    assert row(text, "Offers") == [shown(len(offers)), "under 5"]
    assert row(text, "Feedback") == [shown(len(feedback)), "under 5"]
    assert row(text, "Texts in the inbox") == ["under 5", "under 5"]
    assert row(text, "All communities")[:2] == [shown(len(members)), "under 5"]
    kinds = {kind: sum(r["kind"] == kind for r in feedback) for kind in ("ros", "ris", "ide")}
    assert row(text, "All feedback") == [shown(len(feedback)), "under 5"]
    for kind, label in (("ros", "Praise (ros)"), ("ris", "Complaint (ris)"),
                        ("ide", "Idea (idé)")):
        assert row(text, label)[0] == "under 5" if kinds[kind] < 5 else str(kinds[kind])
    assert "under 5" in text and pages(path) >= 3


@needs_pdf
def test_no_phone_number_reaches_the_report(faelles, span, tmp_path):
    # A quote chosen for the report with a number in it: the words come, the number not.
    with open_db(tmp_path / "report.db") as db:
        chosen = record_feedback(db, kind="ros", text="Tak til Inge, ring 20 11 01 01",
                                 channel="kiosk", now=utcnow())
        set_for_report(db, chosen, True)
    path, html = tmp_path / "report.pdf", tmp_path / "report.html"
    faelles("report", *span["args"], "-o", str(path))
    assert "Tak til Inge, ring […]" in pdf_text(path, layout=False)
    faelles("report", *span["args"], "-o", str(html))
    for text in (pdf_text(path), pdf_text(path, layout=False), html.read_text(encoding="utf-8")):
        # Every run of digits, as a number may be written: 20110101, 20 11 01 01,
        # +45 2011 0101. None may be a demo contact's, with or without +45.
        runs = {re.sub(r"\D", "", run) for run in re.findall(r"\+?\d(?:[ .\-]?\d)*", text)}
        for contact in CONTACTS:
            number = contact["phone"].lstrip("+")
            assert not {number, number[2:]} & runs, contact["phone"]


@needs_pdf
def test_the_report_in_arabic_and_ukrainian(faelles, span, tmp_path):
    for language in ("ar", "uk"):
        path = tmp_path / f"report-{language}.pdf"
        faelles("report", *span["args"], "--language", language, "-o", str(path))
        text = pdf_text(path, layout=False)
        _ = translator(language).gettext
        for words in (_("In short"), _("Waiting for an answer"), _("under {small}").format(
                small=5)):
            assert words in text, (language, words)


def test_the_html_report_is_one_file_that_loads_nothing(faelles, span, tmp_path):
    path = tmp_path / "rapport.html"
    faelles("report", *span["args"], "-o", str(path))
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="da" dir="ltr">' in html
    assert not re.search(r"<(script|link|img|iframe)\b|\bsrc=|@import|url\(http", html)
    assert "http://" not in html.replace("http://www.w3.org/", "")
    charts = re.findall(r"<svg [^>]*>", html)
    assert len(charts) >= 8
    # Every chart says what it shows, to a screen reader and beside it.
    for tag in charts:
        assert 'role="img"' in tag and 'aria-label="' in tag
    assert "Kort fortalt" in html  # Danish unless asked otherwise


def test_last_month_by_default_and_its_refusals(faelles, tmp_path):
    assert "Saved" in faelles("report", "-o", str(tmp_path / "r.html")).stderr
    assert faelles("report", "-o", str(tmp_path / "r.txt"), ok=False).exit_code == 2
    assert faelles("report", "--from", "2026-11-01", "-o", str(tmp_path / "r.html"),
                   ok=False).exit_code == 2
    assert faelles("report", "--from", "2026-11-02", "--to", "2026-11-01",
                   "-o", str(tmp_path / "r.html"), ok=False).exit_code == 2


def test_quotes_lose_numbers_and_addresses():
    assert anonymise("Ring på 20 11 22 33 eller +45 2011-2233, mail: a.b@kommune.dk tak") == \
        "Ring på […] eller […], mail: […] tak"
    assert anonymise("Bænken ved nr. 12 i 2026") == "Bænken ved nr. 12 i 2026"
    assert len(anonymise("ord " * 400)) == 500


def test_no_hidden_part_can_be_worked_out_from_its_total(db):
    from report_data import busy_months
    from shared.report_figures import gather
    from shared.report_page import report_html
    from shared.report_periods import last_full_month

    made = datetime(2026, 12, 7, 9, 0, tzinfo=TIMEZONE)
    busy_months(db, now=made)
    html = report_html(gather(db, last_full_month(made), now=made, language="en"),
                       locale="en")
    checked = 0
    for table in re.findall(r"<table>.*?</table>", html, re.DOTALL):
        total = re.search(r'<tr class="total">(.*?)</tr>', table)
        if total is None:
            continue
        parts = [re.findall(r'<td class="n">(.*?)</td>', line)
                 for line in re.findall(r"<tr>(.*?)</tr>", table)]
        for column, cell in enumerate(re.findall(r'<td class="n">(.*?)</td>', total.group(1))):
            if cell != "under 5":  # total minus the shown parts must not give one away
                checked += 1
                assert sum(part[column] == "under 5" for part in parts if part) != 1, table
    assert checked >= 8
    # A busy month shows most counts: the joins of the busiest community, for one.
    assert re.search(r"<td>Harbour guild</td><td class=\"n\">\d+</td>", html)

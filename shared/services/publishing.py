"""What goes on paper: the report for the council and posters, made for the command and the kiosk.

The report holds counts only (and the quotes a coordinator chose); a poster
holds what anyone may read. Saving either from coordinator mode is audited.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from shared.clock import parse
from shared.communities import community_texts, get_community
from shared.db import Database, immediate
from shared.errors import FaellesError
from shared.exports import write_private
from shared.i18n import N_, TIMEZONE
from shared.meeting_time import Meeting, describe_meeting
from shared.meetings import next_meeting
from shared.poster import CommunitySide, Poster, poster_html
from shared.printing import pdf_from_html
from shared.report_figures import Report, gather
from shared.report_page import report_html
from shared.report_periods import Period, last_full_month
from shared.services.leading import community_page
from shared.services.notices import audit_by


class PosterRefused(FaellesError):
    """A poster that cannot be made: why, as a msgid, and the values that fill it."""

    def __init__(self, message: str, **values):
        super().__init__(message.format(**values))
        self.message, self.values = message, values


NO_NUMBER = N_("Set FAELLES_SMS_NUMBER to the number citizens text: a poster must say "
               "which number to text.")
ARCHIVED = N_("{code} is archived: nobody can join it, so it gets no poster.")
PAUSED = N_("{code} is paused and takes no new members: a poster would invite people it "
            "turns away.")


def report_file(db: Database, period: Period, *, language: str, now: datetime,
                as_pdf: bool) -> bytes | str:
    """Return the report for the period as a PDF, or as one self-contained HTML page."""
    html = report_html(gather(db, period, now=now, language=language), locale=language)
    return pdf_from_html(html) if as_pdf else html


def last_month(db: Database, *, language: str, now: datetime) -> Report:
    """Return the figures of the last full month's report."""
    return gather(db, last_full_month(now), now=now, language=language)


def report_pdf(report: Report, *, language: str) -> bytes:
    """Return the report as a PDF; it needs no store, so it can be made without holding one."""
    return pdf_from_html(report_html(report, locale=language))


def save_report(db: Database, report: Report, pdf: bytes, folder: Path, *, coordinator_id: int,
                now: datetime) -> Path:
    """Save a report's PDF in the exports folder, audited; return its path."""
    path = write_private(folder, f"report-{report.period.first:%Y-%m}", ".pdf", pdf)
    with immediate(db):
        audit_by(db, coordinator_id, "report_save", now)
    return path


def poster_for(db: Database, code: str | None, languages: tuple[str, ...], *,
               number: str | None, now: datetime) -> Poster:
    """Return what a poster for the community (or for Fælles, without a code) says."""
    if not number:
        raise PosterRefused(NO_NUMBER)
    if code is None:
        return Poster(number=number, languages=languages)
    community = get_community(db, code)
    if community["status"] != "active":
        raise PosterRefused(ARCHIVED if community["status"] == "archived" else PAUSED,
                            code=community["code"])
    written = community_texts(db, community["code"])
    meeting = next_meeting(db, community["code"], now=now)
    sides = {}
    for language in languages:
        page = community_page(db, community["code"], language, now=now)
        own = written.get(language, {})
        weekly = meeting is not None and meeting["weekly"]
        # A schedule the coordinator wrote in this language, else a weekly meeting
        # in this language's words, else the Danish schedule: some time beats none.
        when = own.get("schedule") or (_weekly(meeting, language) if weekly else "") \
            or page["schedule"]
        # A description nobody wrote in this language stays off its poster: a
        # paragraph of Danish helps no one reading Arabic.
        sides[language] = CommunitySide(
            name=page["name"], description=own.get("description", ""), when=when,
            place=page["place"], town=page["town"],
            next_meeting=None if weekly else page["next_meeting"],
            next_place=None if weekly else page["next_place"] or None)
    return Poster(number=number, languages=languages, code=community["code"], sides=sides)


def poster_file(db: Database, code: str | None, languages: tuple[str, ...], *,
                number: str | None, now: datetime) -> bytes:
    """Return the poster as an A4 PDF."""
    return poster_pdf(poster_for(db, code, languages, number=number, now=now))


def poster_pdf(poster: Poster) -> bytes:
    """Return the poster as an A4 PDF; it needs no store."""
    return pdf_from_html(poster_html(poster))


def save_poster(db: Database, poster: Poster, pdf: bytes, folder: Path, *, coordinator_id: int,
                now: datetime) -> Path:
    """Save a community's poster PDF in the exports folder, audited; return its path."""
    community = get_community(db, poster.code)
    path = write_private(folder, f"poster-{community['code']}-{'-'.join(poster.languages)}",
                         ".pdf", pdf)
    with immediate(db):
        audit_by(db, coordinator_id, "poster_save", now, "community", community["id"])
    return path


def _weekly(meeting: dict, language: str) -> str:
    starts_at = parse(meeting["starts_at"]).astimezone(TIMEZONE)
    return describe_meeting(Meeting(starts_at=starts_at, weekday=starts_at.weekday(),
                                    time_of_day=starts_at.time().replace(tzinfo=None),
                                    weekly=True, place=meeting["place"]), language)

"""The figures of the monthly report and of the coordinator's Overview, counted one way for both.

Pure queries: each takes the store and a span of time and returns plain data,
no words and no drawing, so the report and the Overview tab can never disagree.
A span is [since, until): the first moment counts, the last does not.
Timestamps are stored by clock.iso() (UTC, one format), so they compare as text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from math import ceil
from statistics import median

from shared.clock import iso, parse
from shared.db import Database, rows
from shared.report_periods import WEEKS, Period, midnight, week_of, week_starts

CHANNELS = ("sms", "kiosk")
# What a citizen does, each as one row per event: when, by which channel, where
# (the kiosk's location), who (if a number was given) and which town it is about.
# Trusted constants only: they are put into the SQL text.
_EVENTS = {
    "offers": "SELECT created_at AS at, channel, location, contact_id, town FROM offers",
    "feedback": "SELECT created_at AS at, channel, location, contact_id, town FROM feedback",
    "joins": "SELECT m.joined_at AS at, m.channel, m.location, m.contact_id, c.town"
             " FROM memberships m JOIN communities c ON c.id = m.community_id",
    "needs": "SELECT created_at AS at, channel, location, contact_id, town FROM needs",
    # Introductions are a coordinator's doing: one series, not per channel.
    "introductions": "SELECT created_at AS at, 'all' AS channel, NULL AS location,"
                     " NULL AS contact_id, NULL AS town FROM introductions",
    # A need is met when the one who needed help answers the follow-up with a yes.
    "needs_met": "SELECT helped_at AS at, 'all' AS channel, NULL AS location,"
                 " NULL AS contact_id, NULL AS town FROM introductions WHERE helped = 1",
    # Every text a contact sent, keyword or not: texting is taking part.
    "texts": "SELECT created_at AS at, 'sms' AS channel, NULL AS location, contact_id,"
             " NULL AS town FROM messages WHERE direction = 'in'",
}
ACTIVITY_KINDS = ("offers", "feedback", "joins", "needs", "introductions", "needs_met")
# The one series of what has no channel.
ALL = "all"


def channels_of(kind: str) -> tuple[str, ...]:
    """Return the series a kind is counted in: per channel, or one for all."""
    return (ALL,) if kind in ("introductions", "needs_met") else CHANNELS
# An offer is answered by a coordinator's first decision: approved, asked about or rejected.
_OFFER_DECISIONS = ("offer_approve", "offer_ask", "offer_reject")
INTRODUCTION_STATUSES = ("waiting", "agreed", "declined", "expired", "ended")
INBOX_OUTCOMES = ("answered", "feedback", "offer", "archived")


def events(db: Database, kind: str, since: datetime, until: datetime) -> list[dict]:
    """Return the events of one kind in [since, until), oldest first."""
    return rows(db, f"SELECT * FROM ({_EVENTS[kind]}) WHERE at >= ? AND at < ? ORDER BY at",
                (iso(since), iso(until)))


def taking_part(db: Database, since: datetime, until: datetime) -> list[dict]:
    """Return everything citizens did in [since, until), each with who it was.

    who is ("contact", id) for someone with a number, and ("visit", n) for a
    kiosk visitor who left no number: each such visit is somebody.
    """
    found = []
    for kind in ("texts", "offers", "feedback", "needs", "joins"):
        for event in events(db, kind, since, until):
            if event["contact_id"] is not None:
                event["who"] = ("contact", event["contact_id"])
            else:
                event["who"] = ("visit", f"{kind}:{len(found)}")
            found.append(event)
    return found


# -- weeks: the Overview's lines and the report's first chart ----------------------------------

@dataclass(frozen=True)
class Activity:
    """Counts per ISO week (Copenhagen time), by channel, and totals per kiosk location."""

    weeks: tuple[date, ...]  # the Monday of each week, oldest first
    by_channel: dict[str, tuple[int, ...]]  # channel -> one count per week
    by_location: dict[str | None, int]  # kiosk location (None if unknown) -> total

    @property
    def week_numbers(self) -> tuple[int, ...]:
        return tuple(monday.isocalendar().week for monday in self.weeks)

    @property
    def total(self) -> int:
        return sum(sum(counts) for counts in self.by_channel.values())


def _by_week(found: list[dict], mondays: tuple[date, ...], count,
             channels: tuple[str, ...] = CHANNELS) -> Activity:
    """Bucket events per week and channel; count(events) says what a bucket's number is."""
    index = {monday: number for number, monday in enumerate(mondays)}
    buckets = {channel: [[] for _ in mondays] for channel in channels}
    at_kiosks: dict[str | None, list] = {}
    for event in found:
        week = index.get(week_of(parse(event["at"])))
        if week is None or event["channel"] not in buckets:
            continue
        buckets[event["channel"]][week].append(event)
        if event["channel"] == "kiosk":
            at_kiosks.setdefault(event["location"], []).append(event)
    places = Counter({place: count(kept) for place, kept in at_kiosks.items()})
    return Activity(weeks=mondays,
                    by_channel={channel: tuple(count(kept) for kept in weeks)
                                for channel, weeks in buckets.items()},
                    by_location=dict(places.most_common()))


def weekly_activity(db: Database, kind: str, *, now: datetime, weeks: int = WEEKS) -> Activity:
    """Count one kind of activity per week for the last `weeks` weeks, through now."""
    mondays = week_starts(now, weeks)
    # Stored times have whole seconds: through now means before the next second.
    found = events(db, kind, _start(mondays[0]), now + timedelta(seconds=1))
    return _by_week(found, mondays, len, channels_of(kind))


def weekly_people(db: Database, *, now: datetime, weeks: int = WEEKS) -> Activity:
    """Count the people taking part per week for the last `weeks` weeks, through now."""
    mondays = week_starts(now, weeks)
    return people_per_week(db, mondays, _start(mondays[0]), now + timedelta(seconds=1))


def people_per_week(db: Database, mondays: tuple[date, ...], since: datetime,
                    until: datetime) -> Activity:
    """Count people per week in [since, until): by SMS, distinct contacts; at a kiosk, visits.

    A contact who did three things at a kiosk in a week made one visit; a
    visitor who left no number made one visit per thing done.
    """
    return _by_week(taking_part(db, since, until), mondays, _distinct)


def _distinct(found: list[dict]) -> int:
    return len({event["who"] for event in found})


def _start(monday: date) -> datetime:
    return midnight(monday)


# -- the report's figures for one period --------------------------------------------------------

@dataclass(frozen=True)
class People:
    """Who took part in a period: distinct people, by channel, by town, by language."""

    people: int  # distinct contacts plus visits without a number
    sms: int  # distinct contacts who texted
    kiosk: int  # kiosk visits
    by_town: dict[str | None, int]  # distinct people per town the thing done was about
    languages: dict[str | None, int]  # distinct contacts per reply language (None: never chosen)


@dataclass(frozen=True)
class Helping:
    """Offers and needs made, introductions proposed (by status now) and help that came."""

    offers: int
    needs: int
    introductions: dict[str, int]
    helped: int


@dataclass(frozen=True)
class CommunityFlow:
    code: str
    name: str
    joins: int
    leaves: int


@dataclass(frozen=True)
class FeedbackFigures:
    by_kind: dict[str, int]
    total: int
    answerable: int  # given with a number, so an answer can reach the citizen
    answered: int  # of those, answered
    ratings: int
    average_rating: float | None


@dataclass(frozen=True)
class Waits:
    """How long citizens waited for an answer to what they sent in the period."""

    answered: int
    waiting: int  # still without an answer when counted
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class Inbox:
    received: int
    outcomes: dict[str, int]  # what became of the handled ones
    waits: Waits


@dataclass(frozen=True)
class Figures:
    """Everything the report shows about one period."""

    people: People
    helping: Helping
    communities: list[CommunityFlow]
    feedback: FeedbackFigures
    feedback_waits: Waits
    offer_waits: Waits
    inbox: Inbox
    opt_outs: int


def people(db: Database, since: datetime, until: datetime) -> People:
    found = taking_part(db, since, until)
    contacts = {event["contact_id"] for event in found if event["contact_id"] is not None}
    towns: dict[str | None, set] = {}
    for event in found:
        towns.setdefault(event["town"] or None, set()).add(event["who"])
    languages: Counter = Counter()
    ids = sorted(contacts)
    for start in range(0, len(ids), 500):  # SQLite's limit on parameters is far above
        chunk = ids[start:start + 500]
        languages.update(r["language"] or None for r in rows(
            db, f"SELECT language FROM contacts WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk))
    return People(people=_distinct(found),
                  sms=_distinct([e for e in found if e["channel"] == "sms"]),
                  kiosk=_distinct([e for e in found if e["channel"] == "kiosk"]),
                  by_town={town: len(who) for town, who in sorted(
                      towns.items(), key=lambda item: (-len(item[1]), item[0] or "\uffff"))},
                  languages=dict(languages.most_common()))


def helping(db: Database, since: datetime, until: datetime) -> Helping:
    span = (iso(since), iso(until))
    statuses = {r["status"]: r["n"] for r in rows(
        db, "SELECT status, count(*) AS n FROM introductions WHERE created_at >= ?"
            " AND created_at < ? GROUP BY status", span)}
    return Helping(
        offers=len(events(db, "offers", since, until)),
        needs=len(events(db, "needs", since, until)),
        introductions={status: statuses.get(status, 0) for status in INTRODUCTION_STATUSES},
        helped=_count(db, "SELECT count(*) FROM introductions WHERE helped = 1"
                          " AND helped_at >= ? AND helped_at < ?", span))


def community_flow(db: Database, since: datetime, until: datetime,
                   language: str) -> list[CommunityFlow]:
    """Return joins and leaves per community in the period, the busiest first."""
    span = {"since": iso(since), "until": iso(until), "language": language}
    found = rows(db, """
        SELECT c.code, coalesce(t.name, d.name, c.code) AS name,
               sum(m.joined_at >= :since AND m.joined_at < :until) AS joins,
               sum(m.left_at >= :since AND m.left_at < :until) AS leaves
        FROM memberships m JOIN communities c ON c.id = m.community_id
        LEFT JOIN community_texts t ON t.community_id = c.id AND t.language = :language
        LEFT JOIN community_texts d ON d.community_id = c.id AND d.language = 'da'
        WHERE (m.joined_at >= :since AND m.joined_at < :until)
           OR (m.left_at >= :since AND m.left_at < :until)
        GROUP BY c.id""", span)
    flows = [CommunityFlow(r["code"], r["name"], r["joins"] or 0, r["leaves"] or 0)
             for r in found]
    return sorted(flows, key=lambda f: (-f.joins - f.leaves, f.code))


def feedback_figures(db: Database, since: datetime, until: datetime) -> FeedbackFigures:
    found = rows(db, "SELECT kind, rating, replied_at, contact_id FROM feedback"
                     " WHERE created_at >= ? AND created_at < ?", (iso(since), iso(until)))
    kinds = Counter(r["kind"] for r in found)
    ratings = [r["rating"] for r in found if r["rating"] is not None]
    answerable = [r for r in found if r["contact_id"] is not None]
    return FeedbackFigures(
        by_kind={kind: kinds.get(kind, 0) for kind in ("ros", "ris", "ide")},
        total=len(found), answerable=len(answerable),
        answered=sum(r["replied_at"] is not None for r in answerable),
        ratings=len(ratings),
        average_rating=sum(ratings) / len(ratings) if ratings else None)


def feedback_waits(db: Database, since: datetime, until: datetime) -> Waits:
    """Return how long feedback from the period waited for a coordinator's answer.

    Only feedback given with a number: an answer to anonymous feedback reaches
    nobody, and feedback archived unanswered waits for nothing any more.
    """
    found = rows(db, "SELECT created_at, replied_at FROM feedback WHERE created_at >= ?"
                     " AND created_at < ? AND contact_id IS NOT NULL"
                     " AND (replied_at IS NOT NULL OR status IN ('new', 'read'))",
                 (iso(since), iso(until)))
    return _waits([(r["created_at"], r["replied_at"]) for r in found])


def offer_waits(db: Database, since: datetime, until: datetime) -> Waits:
    """Return how long offers from the period waited for a coordinator's first decision."""
    marks = ", ".join("?" * len(_OFFER_DECISIONS))
    found = rows(db, f"""
        SELECT o.created_at, o.status,
               (SELECT min(a.at) FROM audit a WHERE a.record_kind = 'offer'
                 AND a.record_id = o.id AND a.action IN ({marks})) AS decided_at
        FROM offers o WHERE o.created_at >= ? AND o.created_at < ?""",
                 (*_OFFER_DECISIONS, iso(since), iso(until)))
    # A withdrawn offer nobody decided on waits for nothing any more.
    return _waits([(r["created_at"], r["decided_at"]) for r in found
                   if r["decided_at"] is not None or r["status"] in ("pending", "needs_info")])


def inbox(db: Database, since: datetime, until: datetime) -> Inbox:
    found = rows(db, "SELECT status, created_at, updated_at FROM unsorted WHERE created_at >= ?"
                     " AND created_at < ?", (iso(since), iso(until)))
    outcomes = Counter(r["status"] for r in found if r["status"] != "new")
    # A message is handled once (new -> something else), so updated_at is when.
    return Inbox(received=len(found),
                 outcomes={outcome: outcomes.get(outcome, 0) for outcome in INBOX_OUTCOMES},
                 waits=_waits([(r["created_at"], None if r["status"] == "new" else r["updated_at"])
                               for r in found]))


def opt_outs(db: Database, since: datetime, until: datetime) -> int:
    """Count the numbers that texted STOP in the period and have not come back.

    The suppression list outlives erasure, so someone who opted out and then
    had their data erased still counts.
    """
    return _count(db, "SELECT count(*) FROM suppressions WHERE created_at >= ?"
                      " AND created_at < ?", (iso(since), iso(until)))


def figures(db: Database, since: datetime, until: datetime, *, language: str) -> Figures:
    """Return every figure of the report for [since, until)."""
    return Figures(people=people(db, since, until), helping=helping(db, since, until),
                   communities=community_flow(db, since, until, language),
                   feedback=feedback_figures(db, since, until),
                   feedback_waits=feedback_waits(db, since, until),
                   offer_waits=offer_waits(db, since, until), inbox=inbox(db, since, until),
                   opt_outs=opt_outs(db, since, until))


def quotes(db: Database, since: datetime, until: datetime) -> list[dict]:
    """Return the kind and text of the feedback from the period a coordinator chose to quote."""
    return rows(db, "SELECT kind, text FROM feedback WHERE for_report = 1 AND created_at >= ?"
                    " AND created_at < ? ORDER BY created_at, id", (iso(since), iso(until)))


def _waits(pairs: list[tuple[str, str | None]]) -> Waits:
    ages = sorted(parse(answered) - parse(created) for created, answered in pairs if answered)
    if not ages:
        return Waits(answered=0, waiting=len(pairs), median=None, p90=None)
    middle = timedelta(seconds=median(age.total_seconds() for age in ages))
    # The nearest-rank 90th percentile: nine in ten waited no longer than this.
    return Waits(answered=len(ages), waiting=len(pairs) - len(ages), median=middle,
                 p90=ages[ceil(0.9 * len(ages)) - 1])


def _count(db: Database, sql: str, params: tuple) -> int:
    return db.execute(sql, params).fetchone()[0]


@dataclass(frozen=True)
class Report:
    """A period's figures beside the period before's, its weeks and its quotes."""

    period: Period
    before: Period
    now: Figures
    earlier: Figures
    weeks_now: Activity
    weeks_before: Activity
    quotes: list[dict]
    made_at: datetime


def gather(db: Database, period: Period, *, now: datetime, language: str) -> Report:
    """Count everything the report shows for the period and the one before it."""
    before = period.before()
    return Report(
        period=period, before=before,
        now=figures(db, period.since, period.until, language=language),
        earlier=figures(db, before.since, before.until, language=language),
        weeks_now=people_per_week(db, period.mondays(), period.since, period.until),
        weeks_before=people_per_week(db, before.mondays(), before.since, before.until),
        quotes=quotes(db, period.since, period.until), made_at=now)

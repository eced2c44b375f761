"""A community's next meeting as a leader texts it ("12/12 kl 14 Munkebo Bibliotek"), and told back.

parse_meeting() reads the day, then the time, and keeps the rest as the place.
It reads Danish and English words whatever the language, since leaders mix
them; the language decides only how a bare hour is read (below). Numeric dates
are day/month in both languages, as in Denmark: 3/4 is the 3rd of April, and an
American 12/25 is refused, not turned around.

A one-off meeting is the next such moment: a date gone by this year is next
year's, a weekday is the coming one (today's only if the time is still ahead).

It never guesses. It returns None, and the leader is asked again, when:
- the day or the time is missing, or does not exist (31/2, 25:00, 14:75);
- the words say two things (a weekday that is not the date's, two dates, two
  times, a clock time left in the place: "12/12 2 sal kl 14" would read 02:00);
- the text can be read two ways with different results ("1.12 9.12");
- in English, an hour from 1 to 11 has no am/pm and no leading zero: "at 7"
  may be morning or evening (09:00, 9am, 19:00 and "kl 7" are clear);
- the meeting would be in the past ("i dag kl 8" at nine), or a written year is
  neither this one nor the next;
- the clocks skip the time that day (02:30 on the last Sunday of March): there
  is no such moment to meet at, and moving it would be a guess. That holds for
  a weekly rule too when its next meeting falls on that night. On the last
  Sunday of October, 02:30 happens twice: the first one, in summer time, counts.

"næste tirsdag" / "next Tuesday" and "hver anden tirsdag" are refused: the
first means this or the following week depending on who says it, and the
second is not a weekly rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

from shared import meeting_words as words
from shared.i18n import TIMEZONE
from shared.keywords import fold
from shared.vocabulary import DEFAULT_LOCALE

# The day and the time are within the first words; the rest is the place, and
# stopping here bounds the search however long the text is.
DAY_AND_TIME_WORDS = 16

# Punctuation around a word that changes nothing: "14:00," "(12/12)" "tirsdag:".
_EDGES = ",;:!?()\"'"


@dataclass(frozen=True)
class Meeting:
    """When and where a community meets: once (weekday None) or every week on weekday."""

    starts_at: datetime | None  # the next meeting, aware, Europe/Copenhagen
    weekday: int | None         # 0 = Monday, for a weekly meeting
    time_of_day: time
    weekly: bool
    place: str


@dataclass(frozen=True)
class _Reading:
    kind: str          # "date" (day, month, year), "days" (from today), "weekday" or "time"
    value: object
    length: int        # words read
    weekly: bool = False


@dataclass(frozen=True)
class _Found:
    day: _Reading | None = None
    weekday: _Reading | None = None
    at: time | None = None
    end: int = 0


def parse_meeting(text: str, now: datetime, language: str = DEFAULT_LOCALE) -> Meeting | None:
    """Return the meeting the text after the community code sets, or None if it is not clear."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    spans = list(re.finditer(r"\S+", text))
    tokens = [fold(s.group()).strip(_EDGES) for s in spans][:DAY_AND_TIME_WORDS]
    found = set()
    for reading in _read_from(tokens, 0, _Found(), language):
        rest = text[spans[reading.end].start():] if reading.end < len(spans) else ""
        place = " ".join(rest.split()).lstrip(",.;:-–— ")
        if _names_a_clock(fold(place).split()):
            return None
        meeting = _resolve(reading, place, now)
        if meeting is not None:
            found.add(meeting)
    return found.pop() if len(found) == 1 else None


def describe_meeting(meeting: Meeting, locale: str, *, now: datetime | None = None) -> str:
    """Return the meeting in words: 'torsdag den 12. december kl. 14.00', the year if not now's."""
    from babel.dates import format_date, format_time, get_day_names

    date_pattern, time_pattern, once, weekly = words.WORDING.get(
        locale.replace("-", "_").split("_")[0], words.WORDING["en"])
    clock = format_time(meeting.time_of_day, time_pattern, locale=locale)
    if meeting.weekly and meeting.weekday is not None:
        weekday = get_day_names("wide", locale=locale)[meeting.weekday]
        return weekly.format(weekday=weekday, time=clock)
    starts = meeting.starts_at.astimezone(TIMEZONE)
    if now is not None and now.astimezone(TIMEZONE).year != starts.year:
        date_pattern += " y"
    return once.format(date=format_date(starts.date(), date_pattern, locale=locale), time=clock)


def _read_from(tokens: list[str], i: int, found: _Found, language: str) -> Iterator[_Found]:
    """Yield every way the words from i on complete found; the longest reading of a word wins.

    "12 dec" is a date rather than noon and a month; "10.10" is read both as a date and a time.
    """
    readings = _readings(tokens, i, found, language)
    longest = max((r.length for r in readings), default=0)
    if not longest:
        yield replace(found, end=i)
        return
    for reading in readings:
        if reading.length == longest and (merged := _merge(found, reading)) is not None:
            yield from _read_from(tokens, i + reading.length, merged, language)


def _merge(found: _Found, reading: _Reading) -> _Found | None:
    """Return found with the reading added, or None if it already has that part."""
    if reading.kind == "time":
        return None if found.at else replace(found, at=reading.value)
    if reading.kind == "weekday":
        return None if found.weekday else replace(found, weekday=reading)
    return None if found.day else replace(found, day=reading)


def _readings(tokens: list[str], i: int, found: _Found, language: str) -> list[_Reading]:
    """Return what the words from i may say: a day, a weekday or a time, and how many words."""
    if i >= len(tokens):
        return []
    word, after = tokens[i], _word(tokens, i + 1)
    bare = word.rstrip(".")
    if word in words.BEFORE_A_DAY:
        return [replace(r, length=r.length + 1) for r in _readings(tokens, i + 1, found, language)
                if r.kind != "time"]
    if word in words.BEFORE_A_TIME:
        skip = 1 + (after in words.BEFORE_A_TIME)
        reading = _read_time(tokens, i + skip, language, word in words.TWENTY_FOUR_HOUR
                             or tokens[i + skip - 1] in words.TWENTY_FOUR_HOUR)
        return [replace(reading, length=reading.length + skip)] if reading else []
    every = words.WEEKDAYS.get(after.rstrip("."), words.WEEKDAYS_PLURAL.get(after.rstrip(".")))
    if word in words.EVERY and every is not None:
        return [_Reading("weekday", every, 2, weekly=True)]
    if word == words.OM and after in words.WEEKDAYS_DEFINITE:
        return [_Reading("weekday", words.WEEKDAYS_DEFINITE[after], 2, weekly=True)]
    if bare in words.WEEKDAYS:
        return [_Reading("weekday", words.WEEKDAYS[bare], 1)]
    if bare in words.WEEKDAYS_PLURAL:
        return [_Reading("weekday", words.WEEKDAYS_PLURAL[bare], 1, weekly=True)]
    if bare in words.RELATIVE_DAYS:
        return [_Reading("days", words.RELATIVE_DAYS[bare], 1)]
    if word == words.IN and after in words.AFTER_I:
        return [_Reading("days", words.AFTER_I[after], 2)]
    readings = [r for r in (_read_date(tokens, i), _read_time(tokens, i, language, False)) if r]
    if found.at and bare.isdigit():
        # A number after the time begins the place: "kl 14 2. sal".
        return [r for r in readings if r.kind != "time"]
    return readings


def _read_date(tokens: list[str], i: int) -> _Reading | None:
    """Return the date the words from i write: 12/12, 12.12.26, 12. dec, the 12th of December."""
    word, length = tokens[i], 1
    day = month = year = None
    if numeric := words.NUMERIC_DATE.fullmatch(word):
        day, month, year = int(numeric[1]), int(numeric[2]), _year(numeric[3])
    elif (joined := words.DAY_AND_MONTH.fullmatch(word)) and joined[2] in words.MONTHS:
        day, month = int(joined[1]), words.MONTHS[joined[2]]
    elif number := words.DAY_OF_MONTH.fullmatch(word):
        skip = 2 if _word(tokens, i + 1) == words.OF else 1
        if (named := _word(tokens, i + skip).rstrip(".")) in words.MONTHS:
            day, month, length = int(number[1]), words.MONTHS[named], skip + 1
    elif (named := word.rstrip(".")) in words.MONTHS \
            and (number := words.DAY_OF_MONTH.fullmatch(_word(tokens, i + 1))):
        day, month, length = int(number[1]), words.MONTHS[named], 2
    if day is None:
        return None
    if year is None and words.YEAR.fullmatch(_word(tokens, i + length)):
        year, length = _year(tokens[i + length]), length + 1
    try:
        # 2028 is a leap year: 29/2 exists until the year is known.
        date(2028 if year is None else year, month, day)
    except ValueError:
        return None
    return _Reading("date", (day, month, year), length)


def _year(written: str | None) -> int | None:
    """Return the year as written: 26 is 2026."""
    if not written:
        return None
    return int(written) + (2000 if len(written) == 2 else 0)


def _read_time(tokens: list[str], i: int, language: str, twenty_four: bool) -> _Reading | None:
    """Return the start time the words from i write: 14, 14.30, kl.14, 2pm, 14-16, 2 - 4 pm."""
    if not (start := words.CLOCK.fullmatch(_word(tokens, i))):
        return None
    length, twenty_four = 1, twenty_four or bool(start["kl"])
    first = [start["h"], start["m"], start["s"]]
    last = [start["h2"], start["m2"], start["s2"]]
    if not first[2] and _word(tokens, i + 1) in words.AM_PM:
        first[2], length = words.AM_PM[tokens[i + 1]], 2
    if not last[0] and _word(tokens, i + length) in words.UNTIL \
            and (end := words.CLOCK.fullmatch(_word(tokens, i + length + 1))) and not end["h2"]:
        last, length = [end["h"], end["m"], end["s"]], length + 2
        if not last[2] and _word(tokens, i + length) in words.AM_PM:
            last[2], length = words.AM_PM[tokens[i + length]], length + 1
    until = _clock(*last) if last[0] else None
    begins = _clock(first[0], first[1], first[2] or last[2])
    if begins is None or (last[0] and until is None):
        return None
    if not first[2] and last[2] and begins > until:
        begins = begins.replace(hour=begins.hour - 12)  # "11-1pm" starts at 11 am
    if language == "en" and not (first[2] or last[2] or twenty_four) \
            and 1 <= begins.hour <= 11 and not first[0].startswith("0"):
        return None  # "at 7": morning or evening? The leader writes 7pm or 19:00.
    return _Reading("time", begins, length)


def _word(tokens: list[str], i: int) -> str:
    """Return the word at i, or "" past the end."""
    return tokens[i] if i < len(tokens) else ""


def _clock(hour: str, minute: str | None, suffix: str | None) -> time | None:
    """Return the time of an hour, minutes and am/pm as written, or None if there is none."""
    hours, minutes = int(hour), int(minute or 0)
    if suffix:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if suffix.startswith("P") else 0)
    return time(hours, minutes) if hours <= 23 and minutes <= 59 else None


def _names_a_clock(place: list[str]) -> bool:
    """Tell whether the place still holds a clock time: the time read was likely another number."""
    return any(words.PLACE_CLOCK.fullmatch(w.strip(_EDGES)) or
               (w in words.TWENTY_FOUR_HOUR and n + 1 < len(place) and place[n + 1][:1].isdigit())
               for n, w in enumerate(place))


def _resolve(found: _Found, place: str, now: datetime) -> Meeting | None:
    """Return the meeting found describes, its next start after now, or None if there is none."""
    if found.at is None or (found.day is None and found.weekday is None):
        return None
    weekly = bool(found.weekday and found.weekday.weekly)
    if weekly and found.day is not None:
        return None  # "hver tirsdag 15/12": a rule or a date?
    local_now = now.astimezone(TIMEZONE)
    today = local_now.date()
    if found.day is None:
        wanted = found.weekday.value
        day = today + timedelta(days=(wanted - today.weekday()) % 7)
        if datetime.combine(day, found.at, tzinfo=TIMEZONE) <= local_now:
            day += timedelta(days=7)
    elif found.day.kind == "days":
        day = today + timedelta(days=found.day.value)
    else:
        day = _next_date(*found.day.value, found.at, local_now)
    if day is None or (found.weekday and day.weekday() != found.weekday.value):
        return None
    starts_at = _moment(day, found.at)
    if starts_at is None or starts_at <= now:
        return None
    return Meeting(starts_at, found.weekday.value if weekly else None, found.at, weekly, place)


def _next_date(day: int, month: int, year: int | None, at: time, now: datetime) -> date | None:
    """Return the day/month in the written year, or its next one from now (this year or next)."""
    for candidate in (now.year, now.year + 1) if year is None else (year,):
        if candidate not in (now.year, now.year + 1):
            return None
        try:
            found = date(candidate, month, day)
        except ValueError:
            continue
        if datetime.combine(found, at, tzinfo=TIMEZONE) > now or year is not None:
            return found
    return None


def _moment(day: date, at: time) -> datetime | None:
    """Return the day at the time in Copenhagen, or None if the clocks skip that time."""
    moment = datetime.combine(day, at, tzinfo=TIMEZONE)
    back = moment.astimezone(timezone.utc).astimezone(TIMEZONE)
    return moment if back.replace(tzinfo=None) == moment.replace(tzinfo=None) else None

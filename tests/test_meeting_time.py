"""Meeting dates and times as leaders text them: tables of what people write and what it means.

Every table row is read at NOW, Monday 7 December 2026 at 09:00 in Copenhagen.
A result is written "2026-12-12 14:00 | place", and "weekly 2026-12-08 14:00 | place"
for a weekly meeting (the date is its next one, and its weekday the rule's).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.i18n import TIMEZONE
from shared.meeting_time import Meeting, describe_meeting, parse_meeting

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=TIMEZONE)

DANISH = [
    # Numeric dates, day first.
    ("12/12 14:00 Munkebo Bibliotek", "2026-12-12 14:00 | Munkebo Bibliotek"),
    ("12.12 14.00 Munkebo Bibliotek", "2026-12-12 14:00 | Munkebo Bibliotek"),
    ("12-12 kl 14 Munkebo Bibliotek", "2026-12-12 14:00 | Munkebo Bibliotek"),
    ("12/12/2026 kl. 14 Munkebo Bibliotek", "2026-12-12 14:00 | Munkebo Bibliotek"),
    ("12.12.26 kl. 14.30 Huset", "2026-12-12 14:30 | Huset"),
    ("12/12-2026 14:00 Huset", "2026-12-12 14:00 | Huset"),
    ("12/12 14 Munkebo Bibliotek", "2026-12-12 14:00 | Munkebo Bibliotek"),
    ("12/12 9 Huset", "2026-12-12 09:00 | Huset"),
    ("12/12 kl14 Huset", "2026-12-12 14:00 | Huset"),
    ("24/12 kl 10.30 Kirken", "2026-12-24 10:30 | Kirken"),
    ("1.12 kl 14", "2027-12-01 14:00 | "),
    # Month names.
    ("12. december kl. 14 Kirkesalen", "2026-12-12 14:00 | Kirkesalen"),
    ("12 dec 14 Kirkesalen", "2026-12-12 14:00 | Kirkesalen"),
    ("12. dec. kl. 14.00 Kirkesalen", "2026-12-12 14:00 | Kirkesalen"),
    ("den 12. december kl 14 Kirkesalen", "2026-12-12 14:00 | Kirkesalen"),
    ("d. 12/12 kl. 14 Kirkesalen", "2026-12-12 14:00 | Kirkesalen"),
    ("december 12 kl 14 Kirkesalen", "2026-12-12 14:00 | Kirkesalen"),
    ("12.dec kl.14 Kirkesalen", "2026-12-12 14:00 | Kirkesalen"),
    ("6. januar kl 19 Hallen", "2027-01-06 19:00 | Hallen"),
    ("3. feb. kl. 16", "2027-02-03 16:00 | "),
    ("1. marts kl 10 Rådhuset", "2027-03-01 10:00 | Rådhuset"),
    ("15/1-2027 kl. 17 Hallen", "2027-01-15 17:00 | Hallen"),
    # A weekday with the date, when they agree.
    ("lørdag den 12. december kl. 14 Kirkesalen", "2026-12-12 14:00 | Kirkesalen"),
    ("lørdag 12/12 14:00", "2026-12-12 14:00 | "),
    ("tirsdag 15/12 kl 14", "2026-12-15 14:00 | "),
    # Weekday names: the next one; today only if the time is still ahead.
    ("tirsdag kl 14 Biblioteket", "2026-12-08 14:00 | Biblioteket"),
    ("tirsdag 14.30", "2026-12-08 14:30 | "),
    ("tirs. kl. 19 Multisalen", "2026-12-08 19:00 | Multisalen"),
    ("TIRSDAG KL 14 BIBLIOTEKET", "2026-12-08 14:00 | BIBLIOTEKET"),
    ("på onsdag kl 10 Cafeen", "2026-12-09 10:00 | Cafeen"),
    ("ons 10", "2026-12-09 10:00 | "),
    ("torsdag klokken 14 Torvet", "2026-12-10 14:00 | Torvet"),
    ("tors kl 14", "2026-12-10 14:00 | "),
    ("fredag 9 Cafeen", "2026-12-11 09:00 | Cafeen"),
    ("fre kl 9.30", "2026-12-11 09:30 | "),
    ("loerdag 10 Hallen", "2026-12-12 10:00 | Hallen"),
    ("lordag kl 10", "2026-12-12 10:00 | "),
    ("lør. 10.00", "2026-12-12 10:00 | "),
    ("søndag kl 11 Kirken", "2026-12-13 11:00 | Kirken"),
    ("sondag 11", "2026-12-13 11:00 | "),
    ("søn kl. 11", "2026-12-13 11:00 | "),
    ("mandag kl 10 Rådhuset", "2026-12-07 10:00 | Rådhuset"),
    ("mandag kl 9 Rådhuset", "2026-12-14 09:00 | Rådhuset"),
    ("man 8", "2026-12-14 08:00 | "),
    # "10/10 is not a Tuesday", so 10.10 after a Tuesday is ten past ten.
    ("tirsdag 10.10", "2026-12-08 10:10 | "),
    # Days from today.
    ("i morgen kl 14 Biblioteket", "2026-12-08 14:00 | Biblioteket"),
    ("imorgen 14-16 Biblioteket", "2026-12-08 14:00 | Biblioteket"),
    ("i dag kl. 17 Cafeen", "2026-12-07 17:00 | Cafeen"),
    ("idag 17:30", "2026-12-07 17:30 | "),
    ("i overmorgen kl 19 Hallen", "2026-12-09 19:00 | Hallen"),
    # Every week.
    ("hver tirsdag kl 14 Biblioteket", "weekly 2026-12-08 14:00 | Biblioteket"),
    ("hver mandag kl. 9 Hallen", "weekly 2026-12-14 09:00 | Hallen"),
    ("tirsdage kl. 14 Biblioteket", "weekly 2026-12-08 14:00 | Biblioteket"),
    ("alle torsdage 19.30 Kirken", "weekly 2026-12-10 19:30 | Kirken"),
    ("om onsdagen kl 10", "weekly 2026-12-09 10:00 | "),
    ("hver søndag klokken 11", "weekly 2026-12-13 11:00 | "),
    # A date passed this year is next year's; so is today's at an hour gone by.
    ("5/12 kl 14 Hallen", "2027-12-05 14:00 | Hallen"),
    ("7/12 kl 8", "2027-12-07 08:00 | "),
    ("7/12 kl 10", "2026-12-07 10:00 | "),
    ("1/1 kl 12 Nytårskur", "2027-01-01 12:00 | Nytårskur"),
    # Spans, punctuation and where the place begins.
    ("kl 14 12/12 Hallen", "2026-12-12 14:00 | Hallen"),
    ("12/12 kl. 14.00-16.00 Munkebo Bibliotek", "2026-12-12 14:00 | Munkebo Bibliotek"),
    ("12/12 fra kl 14 til 16 Munkebo Bibliotek", "2026-12-12 14:00 | Munkebo Bibliotek"),
    ("12/12 kl 14, Munkebo Bibliotek", "2026-12-12 14:00 | Munkebo Bibliotek"),
    ("12/12 kl 14 - Munkebo Bibliotek, 1. sal", "2026-12-12 14:00 | Munkebo Bibliotek, 1. sal"),
    ("12/12 kl 14 2. sal", "2026-12-12 14:00 | 2. sal"),
    ("tirsdag kl 14 på biblioteket", "2026-12-08 14:00 | på biblioteket"),
]

ENGLISH = [
    # Numeric dates are day/month, as in Denmark.
    ("12/12 14:00 Munkebo Library", "2026-12-12 14:00 | Munkebo Library"),
    ("12/12 2pm Munkebo Library", "2026-12-12 14:00 | Munkebo Library"),
    ("12/12 at 14 Library", "2026-12-12 14:00 | Library"),
    ("12/12 14.00 Library", "2026-12-12 14:00 | Library"),
    ("12.12 2pm", "2026-12-12 14:00 | "),
    ("12/12 at 12 Library", "2026-12-12 12:00 | Library"),
    ("12/12 2 p.m. Library", "2026-12-12 14:00 | Library"),
    ("24/12 at 10:30am Church", "2026-12-24 10:30 | Church"),
    ("5/12 2pm", "2027-12-05 14:00 | "),
    # Month names, either order.
    ("12 December 2pm Library", "2026-12-12 14:00 | Library"),
    ("12 December at 2pm Library", "2026-12-12 14:00 | Library"),
    ("December 12 2pm", "2026-12-12 14:00 | "),
    ("December 12, 2026 at 2pm", "2026-12-12 14:00 | "),
    ("Dec 12 2pm", "2026-12-12 14:00 | "),
    ("Dec. 12 at 14:00", "2026-12-12 14:00 | "),
    ("Dec 12th 14:00 Library", "2026-12-12 14:00 | Library"),
    ("12 Dec 14:00", "2026-12-12 14:00 | "),
    ("12th December at 2pm", "2026-12-12 14:00 | "),
    ("the 12th of December at 2pm", "2026-12-12 14:00 | "),
    ("on the 12th of December at 2:30pm Hall", "2026-12-12 14:30 | Hall"),
    ("Saturday 12 December at 2pm", "2026-12-12 14:00 | "),
    ("Saturday, December 12 at 2 pm", "2026-12-12 14:00 | "),
    ("Jan 6 7pm Hall", "2027-01-06 19:00 | Hall"),
    ("January 15th 2027 at 5pm", "2027-01-15 17:00 | "),
    ("1 March 10am", "2027-03-01 10:00 | "),
    # Weekday names.
    ("tuesday 2pm Library", "2026-12-08 14:00 | Library"),
    ("Tuesday at 2:30pm", "2026-12-08 14:30 | "),
    ("on Tuesday at 14:00", "2026-12-08 14:00 | "),
    ("tue 7pm Hall", "2026-12-08 19:00 | Hall"),
    ("Wednesday 10am Cafe", "2026-12-09 10:00 | Cafe"),
    ("wed 10:30am", "2026-12-09 10:30 | "),
    ("Thursday 7 pm Church", "2026-12-10 19:00 | Church"),
    ("thu 19:00", "2026-12-10 19:00 | "),
    ("thurs 6:30pm", "2026-12-10 18:30 | "),
    ("Friday 9am", "2026-12-11 09:00 | "),
    ("fri 09:00", "2026-12-11 09:00 | "),
    ("Saturday 10am Hall", "2026-12-12 10:00 | Hall"),
    ("sat 11am", "2026-12-12 11:00 | "),
    ("Sunday 12pm", "2026-12-13 12:00 | "),
    ("sun 12:00", "2026-12-13 12:00 | "),
    ("Monday 10am", "2026-12-07 10:00 | "),
    ("mon 9am", "2026-12-14 09:00 | "),
    # Days from today.
    ("tomorrow 2pm Library", "2026-12-08 14:00 | Library"),
    ("tomorrow at 10am", "2026-12-08 10:00 | "),
    ("today 5pm Cafe", "2026-12-07 17:00 | Cafe"),
    ("today at 17:30", "2026-12-07 17:30 | "),
    # Every week.
    ("every Tuesday 2pm Library", "weekly 2026-12-08 14:00 | Library"),
    ("every tuesday at 14:00", "weekly 2026-12-08 14:00 | "),
    ("every Monday at 9am", "weekly 2026-12-14 09:00 | "),
    ("Tuesdays 2pm", "weekly 2026-12-08 14:00 | "),
    ("each Friday at 7pm", "weekly 2026-12-11 19:00 | "),
    # Spans: the meeting starts at the first time.
    ("tomorrow 2-4pm Library", "2026-12-08 14:00 | Library"),
    ("tomorrow 2 - 4 pm at the library", "2026-12-08 14:00 | at the library"),
    ("12/12 from 2pm to 4pm Library", "2026-12-12 14:00 | Library"),
    ("12/12 11-1pm", "2026-12-12 11:00 | "),
]

# What must be refused, and why: a wrong date sent to a whole community is worse than asking again.
REFUSED = [
    ("da", "", "nothing"),
    ("da", "   ", "only spaces"),
    ("da", "hej med dig", "no day and no time"),
    ("da", "tirsdag", "no time"),
    ("da", "12/12 Munkebo Bibliotek", "no time"),
    ("da", "kl 14 Munkebo Bibliotek", "no day"),
    ("da", "14:00", "a time alone"),
    ("da", "31/2 kl 14", "no 31 February"),
    ("da", "30.02 kl 14", "no 30 February"),
    ("da", "32.12 kl 14", "no 32 December"),
    ("da", "12/13 kl 14", "no 13th month"),
    ("da", "12/12 25:00", "no 25 o'clock"),
    ("da", "12/12 14:75", "no 75 minutes"),
    ("da", "12/12 kl 24", "24 is not an hour"),
    ("da", "29/2 kl 14", "no 29 February in 2027, and 2028 is too far to guess"),
    ("da", "i dag kl 8", "an hour gone by today"),
    ("da", "i dag kl 9", "now is not ahead"),
    ("da", "12/12/2025 kl 14", "a year gone by"),
    ("da", "12/12/2030 kl 14", "a year neither this one nor the next"),
    ("da", "torsdag 12/12 kl 14", "12/12 is a Saturday: one of them is wrong"),
    ("da", "i morgen onsdag kl 14", "tomorrow is a Tuesday"),
    ("da", "hver tirsdag 15/12 kl 14", "a weekly rule or one date?"),
    ("da", "hver anden tirsdag kl 14", "every other week is not weekly"),
    ("da", "næste tirsdag kl 14", "this week's or next week's?"),
    ("da", "tirsdag 15 kl 14", "two times"),
    ("da", "12/12 kl 14 13/12", "two dates"),
    ("da", "12/12 2 sal kl 14", "a clock time left in the place"),
    ("da", "1.12 9.12", "1 December at 09:12, or 9 December at 01:12"),
    ("da", "10-12 Biblioteket", "a date or a time, and the other is missing"),
    ("da", "møde i morgen", "no time"),
    ("en", "2pm", "a time alone"),
    ("en", "tomorrow", "no time"),
    ("en", "tomorrow 2", "2 in the morning or the afternoon?"),
    ("en", "every Tuesday at 7", "7 in the morning or the evening?"),
    ("en", "Tuesday 2:30", "2:30 in the morning or the afternoon?"),
    ("en", "12/25 2pm", "month first, as in the US: no 25th month"),
    ("en", "Tuesday 13pm", "no 13 pm"),
    ("en", "February 30 2pm", "no 30 February"),
    ("en", "next Tuesday 2pm", "this week's or next week's?"),
    ("en", "meeting soon", "nonsense"),
]


def summary(meeting: Meeting | None) -> str | None:
    """Return the meeting as a table writes it: '[weekly ]YYYY-MM-DD HH:MM | place'."""
    if meeting is None:
        return None
    when = meeting.starts_at.strftime("%Y-%m-%d %H:%M")
    return f"{'weekly ' if meeting.weekly else ''}{when} | {meeting.place}"


@pytest.mark.parametrize(("text", "expected"), DANISH, ids=[row[0] for row in DANISH])
def test_danish(text, expected):
    assert summary(parse_meeting(text, NOW, "da")) == expected


@pytest.mark.parametrize(("text", "expected"), ENGLISH, ids=[row[0] for row in ENGLISH])
def test_english(text, expected):
    assert summary(parse_meeting(text, NOW, "en")) == expected


def test_the_tables_are_big_enough():
    assert len(DANISH) >= 40 and len(ENGLISH) >= 40


@pytest.mark.parametrize(("language", "text", "why"), REFUSED, ids=[row[1] for row in REFUSED])
def test_refused(language, text, why):
    assert parse_meeting(text, NOW, language) is None, why


@pytest.mark.parametrize(("language", "text"), [("da", row[0]) for row in DANISH]
                         + [("en", row[0]) for row in ENGLISH])
def test_a_meeting_is_aware_in_copenhagen_and_weekly_ones_keep_their_weekday(language, text):
    meeting = parse_meeting(text, NOW, language)
    assert meeting.starts_at.tzinfo is TIMEZONE and meeting.starts_at > NOW
    assert meeting.weekday == (meeting.starts_at.weekday() if meeting.weekly else None)


def test_danish_and_english_words_are_both_understood():
    # A leader may text the Danish keyword and an English weekday, or the reverse.
    assert summary(parse_meeting("tuesday kl 14", NOW, "da")) == "2026-12-08 14:00 | "
    assert summary(parse_meeting("i morgen 2pm", NOW, "en")) == "2026-12-08 14:00 | "


def test_a_bare_hour_is_24_hour_in_danish_and_needs_am_or_pm_in_english():
    assert summary(parse_meeting("i morgen 7", NOW, "da")) == "2026-12-08 07:00 | "
    assert parse_meeting("tomorrow 7", NOW, "en") is None
    assert summary(parse_meeting("tomorrow kl 7", NOW, "en")) == "2026-12-08 07:00 | "
    assert summary(parse_meeting("tomorrow 07:00", NOW, "en")) == "2026-12-08 07:00 | "


def test_naive_now_is_a_mistake_of_the_caller():
    with pytest.raises(ValueError):
        parse_meeting("i morgen kl 14", NOW.replace(tzinfo=None))


def test_now_in_utc_means_the_same_moment():
    utc_now = NOW.astimezone(timezone.utc)
    assert parse_meeting("mandag kl 10", utc_now) == parse_meeting("mandag kl 10", NOW)


# --- the clocks change ----------------------------------------------------------------------
# In Copenhagen 2027-03-28 goes from 02:00 to 03:00, and 2027-10-31 has 02:00-03:00 twice.


@pytest.mark.parametrize("text", ["28/3 kl 2.30", "28. marts 2027 kl 02:30", "28/3 kl 2"])
def test_a_time_the_clocks_skip_is_refused(text):
    assert parse_meeting(text, NOW) is None


def test_the_hours_around_the_skipped_one_are_meetings():
    before, after = parse_meeting("28/3 kl 1.30", NOW), parse_meeting("28/3 kl 3.30", NOW)
    assert before.starts_at.utcoffset() == timedelta(hours=1)
    assert after.starts_at.utcoffset() == timedelta(hours=2)
    # Python subtracts two times of one zone by the wall clock (2 hours): UTC shows the hour.
    assert after.starts_at.astimezone(timezone.utc) - before.starts_at == timedelta(hours=1)


def test_a_weekly_meeting_whose_next_one_is_skipped_is_refused():
    week_before = datetime(2027, 3, 22, 12, 0, tzinfo=TIMEZONE)
    assert parse_meeting("hver søndag kl 2.30", week_before) is None
    assert summary(parse_meeting("hver søndag kl 2.30", NOW)) == "weekly 2026-12-13 02:30 | "


def test_a_time_that_happens_twice_is_the_first_one_in_summer_time():
    meeting = parse_meeting("31/10 kl 2.30", NOW)
    assert meeting.starts_at.utcoffset() == timedelta(hours=2)


@settings(max_examples=200, deadline=None, database=None)
@given(day=st.dates(min_value=NOW.date(), max_value=NOW.date() + timedelta(days=400)),
       hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_every_meeting_is_a_moment_the_clock_shows(day, hour, minute):
    meeting = parse_meeting(f"{day.day}/{day.month} kl {hour}.{minute:02}", NOW)
    if meeting is not None:
        # Through UTC and back: a time the clocks skip would come back an hour later.
        back = meeting.starts_at.astimezone(timezone.utc).astimezone(TIMEZONE)
        assert (back.hour, back.minute) == (hour, minute)
        assert (meeting.starts_at.day, meeting.starts_at.month) == (day.day, day.month)


# --- told back --------------------------------------------------------------------------------

THURSDAY = Meeting(datetime(2026, 12, 10, 14, 0, tzinfo=TIMEZONE), None, time(14, 0), False, "")
TUESDAYS = Meeting(datetime(2026, 12, 8, 14, 0, tzinfo=TIMEZONE), 1, time(14, 0), True, "")

DESCRIBED = [
    ("da", "torsdag den 10. december kl. 14.00", "hver tirsdag kl. 14.00"),
    ("en", "Thursday 10 December at 14:00", "every Tuesday at 14:00"),
    ("de", "Donnerstag, 10. Dezember um 14:00 Uhr", "jeden Dienstag um 14:00 Uhr"),
    ("pl", "czwartek, 10 grudnia, godz. 14:00", "wtorek, co tydzień, godz. 14:00"),
    ("uk", "четвер, 10 грудня о 14:00", "вівторок, щотижня, о 14:00"),
    ("ar", "الخميس، 10 ديسمبر الساعة 14:00", "الثلاثاء من كل أسبوع الساعة 14:00"),
]


@pytest.mark.parametrize(("locale", "once", "weekly"), DESCRIBED, ids=[r[0] for r in DESCRIBED])
def test_describe(locale, once, weekly):
    assert describe_meeting(THURSDAY, locale) == once
    assert describe_meeting(TUESDAYS, locale) == weekly


def test_describe_names_the_year_when_it_is_not_this_one():
    meeting = parse_meeting("1/1 kl 12 Nytårskur", NOW)
    assert describe_meeting(meeting, "da", now=NOW) == "fredag den 1. januar 2027 kl. 12.00"
    assert describe_meeting(meeting, "en", now=NOW) == "Friday 1 January 2027 at 12:00"
    assert describe_meeting(THURSDAY, "da", now=NOW) == "torsdag den 10. december kl. 14.00"


def test_describe_shows_a_misread_date_at_once():
    # 12/12 2026 is a Saturday: the weekday in the reply tells a leader who meant Thursday.
    meeting = parse_meeting("12/12 14:00 Munkebo Bibliotek", NOW)
    assert describe_meeting(meeting, "da") == "lørdag den 12. december kl. 14.00"


def test_describe_a_region_locale_with_its_language_wording():
    assert describe_meeting(THURSDAY, "en_GB") == "Thursday 10 December at 14:00"


# --- any text -------------------------------------------------------------------------------

WORDS = ["12/12", "31/2", "12.12", "14.30", "10-12", "14-16", "kl", "kl.", "klokken", "at",
         "den", "d.", "på", "on", "the", "of", "hver", "every", "alle", "om", "tirsdagen",
         "tirsdag", "tirsdage", "Tuesdays", "i", "morgen", "dag", "i morgen", "tomorrow",
         "december", "dec.", "12.", "12th", "2026", "26", "2pm", "2", "pm", "til", "to", "-",
         "14:00", "25:00", "@", "12am", "0", "99", "Munkebo", "Bibliotek", ",", "."]
texts = st.one_of(st.text(max_size=60),
                  st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=14)
                  .map(" ".join))


@settings(max_examples=500, deadline=None, database=None)
@given(text=texts, language=st.sampled_from(["da", "en", "de"]),
       now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                        timezones=st.just(TIMEZONE)))
def test_no_text_makes_the_parser_fail(text, language, now):
    meeting = parse_meeting(text, now, language)
    if meeting is not None:
        assert meeting.starts_at > now
        assert meeting.starts_at.astimezone(TIMEZONE).time() == meeting.time_of_day
        assert describe_meeting(meeting, language)

"""Abuse guards: a flood gets one notice, a bot loop is stopped, kiosk codes have a cap overall.

200 texts from one number in 10 s once got 200 replies (250 segments); an auto-responder and an echo bot each kept a loop going for 50 of 50
rounds; codes were capped per kiosk (30/h) but not overall (10 places -> 300),
and a missing and an empty location counted apart. Every clock here is passed in.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from shared.abuse import (BURST, LOOP, LOOP_LIMIT, NOTICE, REFILL_EVERY, SILENT, History, judge,
                          similar, tokens_left)
from shared.db import rows
from shared.i18n import format_when
from shared.replies import Reply, fit_reply, render_reply
from shared.services.sms import handle_inbound_sms
from shared.sms_text import measure
from shared.verification import (MAX_CODES_PER_HOUR, MAX_CODES_PER_KIOSK_PER_HOUR, TooManyCodes,
                                 code_usage, request_code)

PHONE = "+4522334455"
sids = itertools.count(1)


class Sender:
    """A phone that texts the service at times it chooses; keeps every reply it got."""

    def __init__(self, db, now, phone=PHONE):
        self.db, self.now, self.phone = db, now, phone
        self.replies: list[str] = []

    def __call__(self, body: str, *, after: timedelta = timedelta(seconds=1)) -> str:
        self.now += after
        reply = handle_inbound_sms(self.db, provider_id=f"SM{next(sids):032x}",
                                   phone=self.phone, body=body, now=self.now)
        self.replies.append(reply)
        return reply

    @property
    def answered(self) -> list[str]:
        return [r for r in self.replies if r]


def da(key: str) -> str:
    return fit_reply(render_reply(Reply(key), "da"))


def inbound(db, phone=PHONE) -> int:
    return db.execute("SELECT count(*) FROM messages WHERE direction = 'in' AND phone = ?",
                      (phone,)).fetchone()[0]


def sms_audit(db) -> list[str]:
    return [r["action"] for r in rows(db, "SELECT action FROM audit WHERE actor = 'sms'"
                                          " ORDER BY id")]


# -- the throttle ----------------------------------------------------------------------

def test_200_texts_in_10_seconds_get_the_burst_answered_and_one_notice(demo_db, now):
    flood = Sender(demo_db, now)
    for n in range(200):
        flood(f"HJÆLP {n % 2}", after=timedelta(seconds=0.05))

    assert flood.answered == [da("help")] * BURST + [da("throttled")]
    segments = sum(measure(r).segments for r in flood.answered)
    assert segments == BURST * measure(da("help")).segments + 1  # was 250
    assert inbound(demo_db) == 200  # every text is kept
    assert sms_audit(demo_db) == ["sms_throttled"]

    # The flood is paid for while it is in the last five minutes; then the
    # number is answered again.
    assert flood("MINE", after=timedelta(minutes=1)) == ""
    assert flood("MINE", after=timedelta(minutes=5)) == da("mine_empty")


def test_a_flood_runs_no_flow_but_stop_still_counts(demo_db, now):
    flood = Sender(demo_db, now)
    for n in range(30):
        flood(f"TILBYD Ting nummer {n}", after=timedelta(seconds=0.5))
    offers = demo_db.execute("SELECT count(*) FROM offers").fetchone()[0]
    flood("STOP", after=timedelta(seconds=0.5))
    assert flood.replies[-1] == ""  # no confirmation inside a flood
    assert demo_db.execute("SELECT opted_out FROM contacts WHERE phone = ?",
                           (PHONE,)).fetchone() == (1,)
    assert demo_db.execute("SELECT count(*) FROM offers").fetchone()[0] == offers


def test_one_notice_while_the_flood_goes_on(demo_db, now):
    bot = Sender(demo_db, now)
    for _ in range(6 * 60):  # a text every 10 s for an hour: under the limit
        bot("Hej", after=timedelta(seconds=10))
    assert da("throttled") not in bot.replies
    fast = Sender(demo_db, bot.now)
    for _ in range(90 * 60 // 2):  # a text every 2 s for 90 minutes
        fast("Hej", after=timedelta(seconds=2))
    assert fast.replies.count(da("throttled")) == 1


def test_a_person_trying_things_out_by_hand_is_always_answered(demo_db, now):
    person = Sender(demo_db, now)
    tries = ["HJÆLP", "1", "Jeg kan strikke", "2", "Munkebo", "2", "MERE", "DELTAG STRIK",
             "MINE", "3", "1", "Godt med bænke ved havnen", "MINE", "SPROG EN", "HELP"]
    for body in tries:  # fifteen texts in 45 s: faster than anyone reads and types
        assert person(body, after=timedelta(seconds=3)), body


def test_a_new_episode_gets_its_own_notice(demo_db, now):
    person = Sender(demo_db, now)
    for n in range(BURST + 5):
        person(("HJÆLP", "MINE", "FÆLLESSKABER")[n % 3], after=timedelta(seconds=0.5))
    assert person.replies.count(da("throttled")) == 1
    person("MINE", after=timedelta(minutes=6))  # answered: the episode is over
    assert person.replies[-1] == da("mine_empty")
    for n in range(BURST + 5):
        person(("HJÆLP", "MINE", "FÆLLESSKABER")[n % 3], after=timedelta(seconds=0.5))
    assert person.replies.count(da("throttled")) == 2


def test_a_person_who_slows_down_is_answered_again(demo_db, now):
    person = Sender(demo_db, now)
    for n in range(BURST + 3):  # different replies, so that no loop is seen
        person(("HJÆLP", "MINE", "FÆLLESSKABER")[n % 3], after=timedelta(seconds=0.05))
    assert person.replies[BURST - 1] and person.replies[BURST] == da("throttled")
    assert person.replies[-1] == ""
    assert person("MINE", after=timedelta(seconds=2)) == ""  # the bucket is still empty
    assert person("MINE", after=timedelta(seconds=30)) == da("mine_empty")


# -- the loop guard --------------------------------------------------------------------

def run_loop(db, now, reply_to_us, *, first: str, every: timedelta, rounds: int = 50):
    """Let a bot answer every reply of ours; return how many rounds we answered."""
    bot = Sender(db, now)
    text = first
    for _ in range(rounds):
        ours = bot(text, after=every)
        if not ours:
            break
        text = reply_to_us(ours)
    return len(bot.answered), bot


@pytest.mark.parametrize("bot", ["auto_responder", "echo"])
def test_a_bot_loop_stops_after_20_similar_messages(demo_db, now, bot):
    # 12 s a round: slower than the throttle's limit, so only the loop guard sees it.
    responders = {"auto_responder": lambda ours: "Jeg er på ferie til mandag. Hilsen Bo",
                  "echo": lambda ours: ours}
    answered, sender = run_loop(demo_db, now, responders[bot], first="Hej",
                                every=timedelta(seconds=12))
    # The menu for "Hej", then 20 times the same "a person will read it" (the
    # bot's words are long enough for the inbox): the 21st is not answered. Was 50 of 50.
    assert answered == 1 + LOOP_LIMIT
    kept = rows(demo_db, "SELECT u.id FROM unsorted u JOIN contacts c ON c.id = u.contact_id"
                         " WHERE c.phone = ?", (sender.phone,))
    # One copy of each different text: the echo sent back our menu, then our reply.
    assert len(kept) == {"auto_responder": 1, "echo": 2}[bot]
    assert sms_audit(demo_db) == ["sms_loop_stopped"]
    # The audit names the contact, never what was texted.
    entry = rows(demo_db, "SELECT * FROM audit WHERE action = 'sms_loop_stopped'")[0]
    assert entry["record_kind"] == "contact" and "ferie" not in repr(entry)
    # Once the loop has died down, the number is answered again.
    assert sender("HJÆLP", after=timedelta(minutes=6)) == da("help")


def test_a_fast_loop_is_stopped_within_the_burst(demo_db, now):
    answered, _ = run_loop(demo_db, now, lambda ours: ours, first="Hej",
                           every=timedelta(seconds=1))
    # The loop guard sees the twenty similar texts before the bucket is empty.
    assert answered == 1 + LOOP_LIMIT


def test_a_busy_conversation_is_no_loop(demo_db, now):
    person = Sender(demo_db, now)
    for n in range(6):  # 30 texts, 12 s apart, each reply at most six times
        for body in (f"TILBYD Jeg kan hjælpe med {n}", "2", "Munkebo", f"ROS Tak {n}", "MINE"):
            assert person(body, after=timedelta(seconds=12))
    assert sms_audit(demo_db) == []


def test_similar_folds_case_accents_spacing_and_punctuation():
    assert similar("Jeg er på ferie!") == similar("jeg  er PAA ferie")
    assert similar("Hej") != similar("Hej Bo")


def test_the_bucket_holds_a_burst_and_refills_steadily(now):
    at_once = [now] * BURST
    assert tokens_left(at_once) == 0 and tokens_left(at_once + [now]) == -1
    assert tokens_left(at_once + [now + REFILL_EVERY]) == 0
    assert tokens_left([now, now + timedelta(hours=1)]) == BURST - 1  # never above the burst


def test_judge_is_pure(now):
    texts = tuple((now - timedelta(seconds=s / 10), "x") for s in range(BURST))
    assert judge(History(inbound=texts), "y", "svar", now).kind == NOTICE
    assert judge(History(inbound=texts, throttle_notice_at=now - timedelta(minutes=5),
                         last_reply_at=now - timedelta(minutes=5)),
                 "y", "svar", now).kind == SILENT
    assert judge(History(inbound=texts, throttle_notice_at=now - timedelta(minutes=5),
                         last_reply_at=now - timedelta(minutes=4)),
                 "y", "svar", now).kind == NOTICE
    replies = ("svar",) * LOOP_LIMIT
    assert judge(History(replies=replies), "y", "svar", now).kind == LOOP
    assert judge(History(replies=replies), "y", "et andet svar", now).answers


# -- kiosk codes -----------------------------------------------------------------------

def codes_at(db, now, place, count, first=0):
    for n in range(first, first + count):
        request_code(db, phone=f"+452011{n:04d}", location=place, message="Kode {code}",
                     now=now)


def test_ten_kiosks_together_stop_at_the_overall_cap(db, now):
    places = [f"Bibliotek {n}" for n in range(10)]
    sent = 0
    for n, place in enumerate(places):
        for k in range(MAX_CODES_PER_KIOSK_PER_HOUR):
            try:
                codes_at(db, now, place, 1, first=n * 100 + k)
                sent += 1
            except TooManyCodes:
                pass
    assert sent == MAX_CODES_PER_HOUR  # was 300
    usage = code_usage(db, now=now)
    assert (usage.sent, usage.full, usage.frees_at) == (60, True, now + timedelta(hours=1))
    # An hour later the codes count no more.
    codes_at(db, now + timedelta(hours=1, seconds=1), "Bibliotek 0", 1, first=9000)


@pytest.mark.parametrize("other", [None, "", "  "])
def test_a_missing_and_an_empty_location_are_one_place(db, now, other):
    codes_at(db, now, None, MAX_CODES_PER_KIOSK_PER_HOUR - 1)
    codes_at(db, now, "", 1, first=500)
    with pytest.raises(TooManyCodes):
        codes_at(db, now, other, 1, first=600)
    assert db.execute("SELECT count(*) FROM verifications WHERE location = ''"
                      ).fetchone() == (0,)


def test_code_usage_warns_near_the_cap(db, now):
    codes_at(db, now, "Rådhuset", 25)
    codes_at(db, now, "Munkebo Bibliotek", 22, first=100)
    usage = code_usage(db, now=now)
    assert (usage.sent, usage.near, usage.full) == (47, False, False)
    codes_at(db, now, "Munkebo Bibliotek", 1, first=200)
    assert code_usage(db, now=now).near


@pytest.fixture
def fixed_clock(monkeypatch, now):
    monkeypatch.setattr("kiosk.coordinator.overview_pane.utcnow", lambda: now)


@pytest.mark.asyncio
async def test_the_overview_shows_the_codes_and_warns_at_the_cap(coordinator_session, demo_db,
                                                                now, fixed_clock):
    codes_at(demo_db, now - timedelta(minutes=20), "Rådhuset", 30)
    codes_at(demo_db, now - timedelta(minutes=10), "Munkebo Bibliotek", 27, first=100)
    async with coordinator_session() as k:
        _ = k.app._
        usage = _("Verification codes: {sent} of {cap} in the last hour")
        k.one("#tabs").active = "tab-overview"
        await k.until(lambda: k.text("#codes-usage") != "")
        assert k.text("#codes-usage") == usage.format(sent=57, cap=60)
        assert k.text("#codes-warning") == _(
            "Few codes are left this hour: joining at a kiosk may stop soon.")

        codes_at(demo_db, now, "Langeskov Bibliotek", 3, first=200)
        k.one("#overview").focus()
        await k.press("g")
        await k.until(lambda: k.text("#codes-usage") == usage.format(sent=60, cap=60))
        # The oldest code, 20 minutes old, stops counting in 40 minutes.
        assert k.text("#codes-warning") == _(
            "No codes are left: visitors cannot join at a kiosk until {when}.").format(
            when=format_when(now + timedelta(minutes=40), k.app.locale, "short"))
        assert k.text("#codes-warning") in k.screen_text()

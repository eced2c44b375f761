"""A store with two busy months, for the report's tests and for looking at its pages.

The demo has a few of everything, so nearly every count in its report is
"under 5". Here October and November 2026 have enough texts, kiosk visits,
offers, needs, introductions, feedback and inbox messages that most counts
are shown, and some are still small. Random, but the same every time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from shared.audit import record_audit
from shared.communities import join_community, leave_community
from shared.contacts import set_language, touch_contact
from shared.demo import load_demo
from shared.demo_data import COMMUNITIES, KIOSK_LOCATIONS, TOWNS
from shared.feedback import change_feedback_status, record_feedback
from shared.introductions import (
    create_introduction, end_introduction, record_answer, record_follow_up,
)
from shared.messages import record_inbound
from shared.needs import record_need
from shared.offers import record_offer
from shared.suppression import suppress
from shared.unsorted import record_unsorted, settle_unsorted

START = datetime(2026, 10, 1, 7, 0, tzinfo=timezone.utc)
DAYS = 61  # October and November
# Most people write Danish; a few English, Arabic, Ukrainian, German, Polish.
LANGUAGES = ["da"] * 14 + ["en", "en", "ar", "ar", "uk", "uk", "de", "pl"]
# Busy towns first: people and activity cluster where the libraries are.
WEIGHTED_TOWNS = TOWNS[:3] * 4 + TOWNS


def busy_months(db, *, now: datetime) -> dict:
    """Load the demo (relative to now), then two months of activity; return what was made."""
    load_demo(db, now=now)
    rng = random.Random(7)
    coordinator = db.execute("SELECT id FROM coordinators ORDER BY id LIMIT 1").fetchone()[0]
    codes = [c["code"] for c in COMMUNITIES if c["status"] == "active"]
    people = []
    for number in range(80):
        phone = f"+4530{number:06d}"
        moment = START + timedelta(hours=rng.randrange(DAYS * 24))
        contact = touch_contact(db, phone, now=moment)
        set_language(db, contact["id"], rng.choice(LANGUAGES))
        people.append((contact["id"], phone))

    def when() -> datetime:
        return START + timedelta(minutes=rng.randrange(DAYS * 24 * 60))

    for number in range(260):  # texts
        contact_id, phone = rng.choice(people)
        record_inbound(db, provider_id=f"SMreport{number:05d}", phone=phone, body="HJÆLP",
                       now=when(), contact_id=contact_id)
    offers = []
    for number in range(46):
        moment = when()
        kiosk = rng.random() < 0.4
        contact_id = rng.choice(people)[0] if not kiosk or rng.random() < 0.5 else None
        offer_id = record_offer(db, description=f"Jeg kan hjælpe med {number}",
                                channel="kiosk" if kiosk else "sms", now=moment,
                                contact_id=contact_id, town=rng.choice(WEIGHTED_TOWNS),
                                location=rng.choice(KIOSK_LOCATIONS) if kiosk else None)
        offers.append(offer_id)
        if rng.random() < 0.85:
            decided = moment + timedelta(hours=rng.uniform(2, 120))
            record_audit(db, actor=f"coordinator:{coordinator}", coordinator_id=coordinator,
                         action=rng.choice(["offer_approve", "offer_approve", "offer_ask"]),
                         record_kind="offer", record_id=offer_id, now=decided)
            db.execute("UPDATE offers SET status = 'approved' WHERE id = ?", (offer_id,))
    needs = []
    for number in range(28):
        contact_id = rng.choice(people)[0]
        needs.append(record_need(db, contact_id=contact_id, description=f"Kørsel {number}",
                                 channel="sms", now=when(), town=rng.choice(WEIGHTED_TOWNS)))
    for number in range(22):
        moment = when()
        introduction = create_introduction(db, need_id=needs[number], offer_id=offers[number],
                                           coordinator_id=coordinator, now=moment)
        fate = rng.random()
        if fate < 0.55:
            record_answer(db, introduction, "need", True, now=moment + timedelta(hours=3))
            record_answer(db, introduction, "offer", True, now=moment + timedelta(hours=9))
            if rng.random() < 0.7:
                record_follow_up(db, introduction, True, now=moment + timedelta(days=14))
        elif fate < 0.75:
            record_answer(db, introduction, "offer", False, now=moment + timedelta(hours=5))
        elif fate < 0.9:
            end_introduction(db, introduction, "expired", reason="no_answer",
                             now=moment + timedelta(days=3))
    kinds = ["ros"] * 5 + ["ris"] * 3 + ["ide"] * 3
    for number in range(52):
        moment = when()
        kiosk = rng.random() < 0.5
        contact_id = None if kiosk and rng.random() < 0.6 else rng.choice(people)[0]
        feedback_id = record_feedback(
            db, kind=rng.choice(kinds), text=f"Tak for bænken ved havnen ({number})",
            channel="kiosk" if kiosk else "sms", now=moment, contact_id=contact_id,
            rating=rng.choice([None, 3, 4, 4, 5, 5]), town=rng.choice(WEIGHTED_TOWNS),
            location=rng.choice(KIOSK_LOCATIONS) if kiosk else None)
        if contact_id is not None and rng.random() < 0.75:
            change_feedback_status(db, feedback_id, "answered", reply="Tak!",
                                   now=moment + timedelta(hours=rng.uniform(1, 200)),
                                   coordinator_id=coordinator)
    for number in range(130):  # joins, some left again
        contact_id = rng.choice(people)[0]
        code = rng.choice(codes[:5]) if rng.random() < 0.7 else rng.choice(codes)
        moment = when()
        kiosk = rng.random() < 0.35
        _, new = join_community(db, contact_id, code, channel="kiosk" if kiosk else "sms",
                                now=moment, location=rng.choice(KIOSK_LOCATIONS) if kiosk else None)
        if new and rng.random() < 0.15:
            leave_community(db, contact_id, code, now=moment + timedelta(days=rng.randrange(1, 20)))
    for number in range(24):
        contact_id = rng.choice(people)[0]
        moment = when()
        unsorted_id = record_unsorted(db, contact_id=contact_id, message_id=None,
                                      text=f"Hvem kan jeg ringe til om bussen? ({number})",
                                      language="da", now=moment)
        if rng.random() < 0.8:
            settle_unsorted(db, unsorted_id, rng.choice(["answered", "answered", "feedback",
                                                         "archived"]),
                            now=moment + timedelta(hours=rng.uniform(1, 60)),
                            coordinator_id=coordinator, reply="Ring til Borgerservice.")
    for contact_id, phone in rng.sample(people, 9):
        suppress(db, phone, now=when())
    return {"people": people, "coordinator": coordinator}

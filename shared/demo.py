"""Load the demo data set into a store and describe what a store holds."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from shared import demo_data
from shared.communities import create_community, join_community
from shared.contacts import set_language, touch_contact
from shared.coordinators import add_coordinator, verify_pin
from shared.db import Database, immediate, row
from shared.feedback import record_feedback
from shared.needs import record_need
from shared.offers import record_offer
from shared.unsorted import record_unsorted


def has_demo(db: Database) -> bool:
    """Tell whether the demo data set is already loaded."""
    return row(db, "SELECT 1 FROM coordinators WHERE name = ?",
               (demo_data.DEMO_COORDINATOR,)) is not None


def demo_pin_works(db: Database, pin: str) -> bool:
    """Tell whether pin is (still) the demo coordinator's PIN."""
    found = row(db, "SELECT pin_hash FROM coordinators WHERE name = ?",
                (demo_data.DEMO_COORDINATOR,))
    return found is not None and verify_pin(pin, found["pin_hash"])


def load_demo(db: Database, *, now: datetime) -> str | None:
    """Load communities, contacts, memberships, offers, needs, feedback and a coordinator.

    Return the demo coordinator's new PIN, or None if the demo was already loaded.
    """
    with immediate(db):
        # Checked under the write lock: two `init --demo` at once load it once.
        if has_demo(db):
            return None
        for community in demo_data.COMMUNITIES:
            create_community(db, code=community["code"], town=community["town"],
                             place=community["place"], status=community["status"],
                             texts=community["texts"], now=now - timedelta(days=60))
        contacts = {}
        for number, contact in enumerate(demo_data.CONTACTS):
            seen = now - timedelta(days=30 - number)
            contacts[contact["phone"]] = touch_contact(db, contact["phone"], now=seen)["id"]
            set_language(db, contacts[contact["phone"]], contact["language"])
        for number, (phone, code, channel, location) in enumerate(demo_data.MEMBERSHIPS):
            join_community(db, contacts[phone], code, channel=channel, location=location,
                           now=now - timedelta(days=28 - number))
        # Spread over recent days so overviews and queues have an age to show.
        for number, offer in enumerate(demo_data.OFFERS):
            record_offer(db, contact_id=contacts.get(offer["phone"]),
                         category=offer["category"], description=offer["description"],
                         town=offer["town"], availability=offer["availability"],
                         channel=offer["channel"], location=offer["location"],
                         now=now - timedelta(days=len(demo_data.OFFERS) - number, hours=3))
        for number, need in enumerate(demo_data.NEEDS):
            record_need(db, contact_id=contacts[need["phone"]], category=need["category"],
                        description=need["description"], town=need["town"],
                        needed_when=need["when"], channel=need["channel"],
                        location=need["location"],
                        now=now - timedelta(days=len(demo_data.NEEDS) - number, hours=1))
        for number, item in enumerate(demo_data.FEEDBACK):
            record_feedback(db, contact_id=contacts.get(item["phone"]), kind=item["kind"],
                            text=item["text"], rating=item["rating"], town=item["town"],
                            channel=item["channel"], location=item["location"],
                            now=now - timedelta(days=len(demo_data.FEEDBACK) - number, hours=5))
        for number, (phone, text) in enumerate(demo_data.UNSORTED):
            record_unsorted(db, contact_id=contacts[phone], message_id=None, text=text,
                            language=next(c["language"] for c in demo_data.CONTACTS
                                          if c["phone"] == phone),
                            now=now - timedelta(hours=20 - 6 * number))
        pin = f"{secrets.randbelow(10**6):06d}"
        add_coordinator(db, demo_data.DEMO_COORDINATOR, pin, now=now, role="admin")
    return pin


def summarise(db: Database) -> dict[str, int]:
    """Return how many of each kind of record the store holds."""
    counts = {
        "communities": "SELECT count(*) FROM communities WHERE status != 'archived'",
        "towns": "SELECT count(DISTINCT town) FROM communities",
        "contacts": "SELECT count(*) FROM contacts",
        "members": "SELECT count(*) FROM memberships WHERE left_at IS NULL",
        "offers": "SELECT count(*) FROM offers",
        "pending_offers": "SELECT count(*) FROM offers WHERE status = 'pending'",
        "needs": "SELECT count(*) FROM needs",
        "feedback": "SELECT count(*) FROM feedback",
        "coordinators": "SELECT count(*) FROM coordinators",
        "outbox": "SELECT count(*) FROM messages WHERE direction = 'out' AND status = 'queued'",
    }
    return {name: db.execute(sql).fetchone()[0] for name, sql in counts.items()}

"""Coordinator decisions reach the citizen in their own language."""

from __future__ import annotations

from shared.coordinators import add_coordinator
from shared.db import row
from shared.services.coordinator import decide_offer


def test_a_match_names_the_community_in_the_citizens_language(demo_db, now):
    coordinator = add_coordinator(demo_db, "Anna", "1234", now=now)
    offer = row(demo_db, "SELECT o.id FROM offers o JOIN contacts c ON c.id = o.contact_id"
                         " WHERE c.language = 'en' LIMIT 1")
    message_id = decide_offer(demo_db, offer["id"], "match", coordinator_id=coordinator,
                              now=now, community_code="STRIK")
    body = row(demo_db, "SELECT body FROM messages WHERE id = ?", (message_id,))["body"]
    assert "Knitting café" in body and "Strikkecafé" not in body

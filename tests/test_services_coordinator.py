"""Coordinator decisions reach the citizen in their own language."""

from __future__ import annotations

from shared.coordinators import add_coordinator
from shared.db import row
from shared.services.coordinator import decide_offer


def test_a_match_names_the_community_in_the_citizens_language(demo_db, now):
    coordinator = add_coordinator(demo_db, "Anna", "123456", now=now)
    offer = row(demo_db, "SELECT o.id FROM offers o JOIN contacts c ON c.id = o.contact_id"
                         " WHERE c.language = 'en' LIMIT 1")
    message_id = decide_offer(demo_db, offer["id"], "match", coordinator_id=coordinator,
                              now=now, community_code="STRIK")
    body = row(demo_db, "SELECT body FROM messages WHERE id = ?", (message_id,))["body"]
    assert "Knitting café" in body and "Strikkecafé" not in body


# -- the rules live here, once ---------------------------------------------------------

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from shared.audit import audit_log  # noqa: E402
from shared.contacts import opt_out  # noqa: E402
from shared.errors import IllegalTransition  # noqa: E402
from shared.offers import get_offer  # noqa: E402
from shared.replies import Reply, render_reply  # noqa: E402
from shared.services.coordinator import (  # noqa: E402
    TooLong, answer_feedback, broadcast, can_decide, decision_notice, has_new_answer, log_in,
)

NOUNS = ("audit", "broadcasts", "communities", "contacts", "conversations", "coordinators",
         "feedback", "messages", "offers", "retention", "verification")


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("noun", [n for n in NOUNS if n != "audit"])
def test_noun_modules_write_no_audit_rows(noun):
    # Auditing is the services' job: a noun module stays a plain read or write.
    source = Path(__file__).resolve().parent.parent / "shared" / f"{noun}.py"
    assert "shared.audit" not in imported_modules(source)


@pytest.mark.parametrize(("status", "decision", "allowed"), [
    ("pending", "approve", True), ("pending", "match", True), ("approved", "match", True),
    ("needs_info", "match", False), ("rejected", "approve", False), ("approved", "ask", False),
    ("needs_info", "reject", True), ("matched", "reject", False),
])
def test_which_decisions_an_offer_can_take(status, decision, allowed):
    assert can_decide(status, decision) is allowed


def offer_by(db, phone: str) -> int:
    return row(db, "SELECT o.id FROM offers o JOIN contacts c ON c.id = o.contact_id"
                   " WHERE c.phone = ?", (phone,))["id"]


def test_the_preview_is_the_sms_that_is_queued(demo_db, now):
    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    offer_id = offer_by(demo_db, "+4520110303")  # an English speaker
    notice = decision_notice(demo_db, offer_id, "ask", note="  Which   days? ")
    assert (notice.sends, notice.language) == (True, "en")
    assert notice.text == render_reply(Reply("offer_needs_info",
                                             {"id": offer_id, "question": "Which days?"}), "en")
    message_id = decide_offer(demo_db, offer_id, "ask", note="  Which   days? ",
                              coordinator_id=anna, now=now)
    assert row(demo_db, "SELECT body FROM messages WHERE id = ?", (message_id,))["body"] == \
        notice.text


def test_a_notice_too_long_is_refused_not_cut(demo_db, now):
    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    feedback_id = row(demo_db, "SELECT f.id FROM feedback f JOIN contacts c"
                               " ON c.id = f.contact_id LIMIT 1")["id"]
    with pytest.raises(TooLong):
        answer_feedback(demo_db, feedback_id, "Tak! " * 80, coordinator_id=anna, now=now)
    assert row(demo_db, "SELECT status FROM feedback WHERE id = ?", (feedback_id,))["status"] \
        == "new"
    assert row(demo_db, "SELECT count(*) AS n FROM messages WHERE direction = 'out'")["n"] == 0


def test_no_sms_and_no_error_for_an_opted_out_citizen(demo_db, now):
    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    offer_id = offer_by(demo_db, "+4520110101")
    opt_out(demo_db, get_offer(demo_db, offer_id)["contact_id"], now=now)
    assert decision_notice(demo_db, offer_id, "approve").no_sms == "opted_out"
    assert decide_offer(demo_db, offer_id, "approve", coordinator_id=anna, now=now) is None
    assert get_offer(demo_db, offer_id)["status"] == "approved"


def test_an_answered_offer_awaits_review_and_a_bare_rejection_drops_the_question(
        demo_db, now):
    from shared.offers import add_answer

    offer_id = offer_by(demo_db, "+4520110101")
    decide_offer(demo_db, offer_id, "ask", coordinator_id=None, note="Hvilke dage?", now=now)
    assert not has_new_answer(get_offer(demo_db, offer_id))
    add_answer(demo_db, offer_id, "Tirsdage", now=now)
    assert has_new_answer(get_offer(demo_db, offer_id))
    decide_offer(demo_db, offer_id, "reject", coordinator_id=None, now=now)
    rejected = get_offer(demo_db, offer_id)
    # No reason given: the question must not stand as the reason for rejecting.
    assert not rejected["review_note"] and not has_new_answer(rejected)


def test_a_decision_the_status_no_longer_allows_changes_nothing(demo_db, now):
    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    offer_id = offer_by(demo_db, "+4520110101")
    decide_offer(demo_db, offer_id, "reject", coordinator_id=anna, now=now)
    before = len(audit_log(demo_db))
    with pytest.raises(IllegalTransition):
        decide_offer(demo_db, offer_id, "approve", coordinator_id=anna, now=now)
    assert len(audit_log(demo_db)) == before


def test_a_broadcast_is_audited_and_says_when_quiet_hours_end(demo_db, now):
    from datetime import datetime, time

    from shared.i18n import TIMEZONE

    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    evening = datetime(2026, 11, 27, 22, 15, tzinfo=TIMEZONE)
    sent = broadcast(demo_db, "STRIK", "Husk strikketøj", coordinator_id=anna, now=evening,
                     quiet_start=time(21, 0), quiet_end=time(8, 0))
    assert sent.held_until == datetime(2026, 11, 28, 8, 0, tzinfo=TIMEZONE)
    entry = audit_log(demo_db)[0]
    assert (entry["action"], entry["record_kind"], entry["coordinator_id"]) == (
        "broadcast", "community", anna)


def test_log_in_audits_the_login(demo_db, now):
    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    assert log_in(demo_db, anna, "123456", now=now)["name"] == "Anna"
    entry = audit_log(demo_db)[0]
    assert (entry["action"], entry["actor"]) == ("login", f"coordinator:{anna}")

"""Tests for shared.broadcasts and the coordinator's community changes in shared.communities."""

from datetime import datetime, time, timezone
from decimal import Decimal

import pytest

from shared.audit import audit_log
from shared.broadcasts import (COST_PER_SEGMENT, MAX_BODY, Audience, audience,
                               broadcast_progress, broadcast_texts, count_languages,
                               estimate_broadcast, in_quiet_hours, quiet_hours_end,
                               recipients_of, send_broadcast, text_language, texts_problem)
from shared.communities import (code_problem, community_texts, get_community, join_community,
                                leave_community)
from shared.contacts import opt_out, touch_contact
from shared.db import rows
from shared.errors import IllegalTransition, InvalidValue, NotFound
from shared.i18n import TIMEZONE
from shared.messages import claim_next, queue_message
# What a coordinator does with communities goes through the service, which audits it.
from shared.services.coordinator import (
    broadcast, change_community_status, create_community as add_community,
    edit_community as update_community,
)
from sms_gateway.worker import in_quiet_hours as worker_in_quiet_hours

QUIET = (time(21, 0), time(8, 0))
PHONES = ("20 11 22 01", "20 11 22 02", "20 11 22 03", "20 11 22 04")


@pytest.fixture
def anna(db, now) -> int:
    """A coordinator (broadcasts reference who sent them)."""
    from shared.coordinators import add_coordinator

    return add_coordinator(db, "Anna", "123456", now=now)


def copenhagen(*args) -> datetime:
    return datetime(*args, tzinfo=TIMEZONE).astimezone(timezone.utc)


@pytest.fixture
def members(db, now, community):
    """Four members of KAFFE; the third has opted out, and one more person has left."""
    contacts = [touch_contact(db, phone, now=now, language="da") for phone in PHONES]
    for contact in contacts:
        join_community(db, contact["id"], community, channel="sms", now=now)
    opt_out(db, contacts[2]["id"], now=now)
    gone = touch_contact(db, "20 11 22 99", now=now)
    join_community(db, gone["id"], community, channel="kiosk", now=now)
    leave_community(db, gone["id"], community, now=now)
    return contacts


def test_recipients_are_current_members_who_take_sms(db, community, members):
    assert [r["contact_id"] for r in recipients_of(db, community)] == [
        members[0]["id"], members[1]["id"], members[3]["id"]]
    assert audience(db, community) == Audience(recipients=3, opted_out=1, languages={"da": 3})


def test_a_community_without_members_has_an_empty_audience(db, community):
    assert audience(db, community) == Audience(0, 0)


@pytest.mark.parametrize(("body", "encoding", "segments"), [
    ("Hej", "GSM-7", 1), ("Æbleskiver på lørdag!", "GSM-7", 1), ("x" * 161, "GSM-7", 2),
    ("Hej 🙂", "UCS-2", 1), ("🙂" * 36, "UCS-2", 2),
])
def test_estimate_counts_segments_for_every_recipient(now, body, encoding, segments):
    estimate = estimate_broadcast(body, Audience(recipients=10, opted_out=2), now=now,
                                  quiet_start=time(0, 0), quiet_end=time(0, 0))
    assert (estimate.encoding, estimate.segments) == (encoding, segments)
    assert (estimate.recipients, estimate.opted_out) == (10, 2)
    assert estimate.total_segments == 10 * segments
    assert estimate.cost == COST_PER_SEGMENT * 10 * segments
    assert estimate.held_until is None


def test_cost_math_uses_the_price_per_segment(now):
    estimate = estimate_broadcast("x" * 200, Audience(7, 0), now=now, quiet_start=time(0, 0),
                                  quiet_end=time(0, 0), cost_per_segment=Decimal("0.35"))
    assert (estimate.total_segments, estimate.cost) == (14, Decimal("4.90"))


def test_estimate_measures_the_text_as_it_will_be_sent(now):
    estimate = estimate_broadcast("  Hej\x1b[31m  ", Audience(1, 0), now=now,
                                  quiet_start=time(0, 0), quiet_end=time(0, 0))
    assert (estimate.characters, estimate.encoding) == (3, "GSM-7")
    assert estimate_broadcast("x" * 1601, Audience(1, 0), now=now, quiet_start=time(0, 0),
                              quiet_end=time(0, 0)).too_long


@pytest.mark.parametrize(("now", "held_until"), [
    (copenhagen(2026, 11, 27, 21, 0), (2026, 11, 28, 8, 0)),
    (copenhagen(2026, 11, 27, 23, 59), (2026, 11, 28, 8, 0)),
    (copenhagen(2026, 11, 28, 0, 30), (2026, 11, 28, 8, 0)),
    (copenhagen(2026, 11, 28, 7, 59), (2026, 11, 28, 8, 0)),
    (copenhagen(2026, 11, 28, 8, 0), None),
    (copenhagen(2026, 11, 27, 20, 59), None),
    # 01:30 on the night summer time starts: held until 08:00 summer time.
    (datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc), (2026, 3, 29, 8, 0)),
    (copenhagen(2026, 7, 1, 22, 0), (2026, 7, 2, 8, 0)),  # Copenhagen is UTC+2
], ids=str)
def test_quiet_hours_hold_broadcasts_until_they_end_in_copenhagen(now, held_until):
    expected = datetime(*held_until, tzinfo=TIMEZONE) if held_until else None
    assert quiet_hours_end(now, *QUIET) == expected
    assert in_quiet_hours(now, *QUIET) == worker_in_quiet_hours(now, *QUIET)


@pytest.mark.parametrize("hour", range(24))
def test_in_quiet_hours_agrees_with_the_worker(hour):
    for quiet in (QUIET, (time(1, 0), time(6, 30)), (time(8, 0), time(8, 0))):
        now = datetime(2026, 11, 27, hour, 15, tzinfo=timezone.utc)
        assert in_quiet_hours(now, *quiet) == worker_in_quiet_hours(now, *quiet)


def test_estimate_tells_when_a_held_broadcast_goes(now):
    evening = copenhagen(2026, 11, 27, 22, 15)
    estimate = estimate_broadcast("Hej", Audience(1, 0), now=evening, quiet_start=QUIET[0],
                                  quiet_end=QUIET[1])
    assert estimate.held_until.strftime("%H:%M") == "08:00"


def test_send_broadcast_queues_one_message_per_recipient(db, now, community, members, anna):
    broadcast_id = broadcast(db, "kaffe", "Husk kaffe på fredag", coordinator_id=anna,
                             now=now, quiet_start=QUIET[0], quiet_end=QUIET[1]).id
    queued = rows(db, "SELECT * FROM messages WHERE direction = 'out' ORDER BY id")
    assert [m["contact_id"] for m in queued] == [
        members[0]["id"], members[1]["id"], members[3]["id"]]
    assert {(m["kind"], m["status"], m["broadcast_id"], m["body"], m["encoding"],
             m["segments"]) for m in queued} == {
        ("broadcast", "queued", broadcast_id, "Husk kaffe på fredag", "GSM-7", 1)}
    stored = rows(db, "SELECT * FROM broadcasts")
    assert [(b["id"], b["body"], b["coordinator_id"]) for b in stored] == [
        (broadcast_id, "Husk kaffe på fredag", anna)]
    entry = audit_log(db)[0]
    assert (entry["action"], entry["record_kind"], entry["record_id"], entry["coordinator_id"],
            entry["actor"]) == ("broadcast", "community",
                                get_community(db, community)["id"], anna, f"coordinator:{anna}")


def test_the_worker_holds_broadcasts_in_quiet_hours(db, now, community, members, anna):
    send_broadcast(db, community, "Godnat", coordinator_id=anna, now=now)
    assert claim_next(db, now=now, broadcasts=False) is None
    assert claim_next(db, now=now)["kind"] == "broadcast"


def test_the_worker_holds_meeting_reminders_in_quiet_hours_but_not_replies(db, now, members):
    reminder = queue_message(db, phone=members[0]["phone"], body="Husk strik i morgen",
                             now=now, contact_id=members[0]["id"], kind="reminder")
    assert claim_next(db, now=now, broadcasts=False) is None
    reply = queue_message(db, phone=members[1]["phone"], body="Tak", now=now,
                          contact_id=members[1]["id"], kind="reply")
    assert claim_next(db, now=now, broadcasts=False)["id"] == reply
    assert claim_next(db, now=now)["id"] == reminder


@pytest.mark.parametrize(("body", "error"), [("", InvalidValue), ("   ", InvalidValue),
                                             ("x" * 1601, InvalidValue)])
def test_send_broadcast_needs_a_text_of_sms_size(db, now, community, members, body, error, anna):
    with pytest.raises(error):
        send_broadcast(db, community, body, coordinator_id=anna, now=now)
    assert rows(db, "SELECT * FROM broadcasts") == []


def test_send_broadcast_refuses_what_cannot_be_sent(db, now, community, members, anna):
    with pytest.raises(NotFound):
        send_broadcast(db, "NOPE", "Hej", coordinator_id=anna, now=now)
    change_community_status(db, community, "archived", coordinator_id=anna, now=now)
    with pytest.raises(IllegalTransition):
        send_broadcast(db, community, "Hej", coordinator_id=anna, now=now)
    assert rows(db, "SELECT * FROM messages") == []


def test_send_broadcast_needs_someone_to_send_to(db, now, community, anna):
    with pytest.raises(InvalidValue):
        send_broadcast(db, community, "Hej", coordinator_id=anna, now=now)
    assert rows(db, "SELECT * FROM broadcasts") == []


def test_progress_counts_each_status(db, now, community, members, anna):
    broadcast_id = send_broadcast(db, community, "Hej", coordinator_id=anna, now=now)
    queue_message(db, phone="+4599999999", body="Not part of it", now=now)
    assert broadcast_progress(db, broadcast_id) == {
        "queued": 3, "sending": 0, "uncertain": 0, "sent": 0, "delivered": 0, "failed": 0,
        "total": 3, "done": 0}
    ids = [r["id"] for r in rows(db, "SELECT id FROM messages WHERE broadcast_id = ?"
                                     " ORDER BY id", (broadcast_id,))]
    for message_id, status in zip(ids, ("delivered", "undelivered", "sending")):
        db.execute("UPDATE messages SET status = ? WHERE id = ?", (status, message_id))
    assert broadcast_progress(db, broadcast_id) == {
        "queued": 0, "sending": 1, "uncertain": 0, "sent": 0, "delivered": 1, "failed": 1,
        "total": 3, "done": 2}
    # A send whose answer from Twilio was lost is still being settled: not done.
    db.execute("UPDATE messages SET status = 'uncertain' WHERE id = ?", (ids[2],))
    progress = broadcast_progress(db, broadcast_id)
    assert (progress["uncertain"], progress["total"], progress["done"]) == (1, 3, 2)


def test_progress_of_an_unknown_broadcast_is_all_zero(db):
    assert broadcast_progress(db, 404)["total"] == 0


# --- shared.communities: what a coordinator changes ---------------------------------

TEXTS = {"da": {"name": "Brætspil", "description": "Vi spiller", "schedule": "Fredage"},
         "en": {"name": "Board games", "description": "", "schedule": ""}}


def test_code_problem_says_why_a_code_cannot_be_used(db, community):
    assert code_problem(db, "brætspil") is None
    assert code_problem(db, "HELP") == ("{code} is an SMS keyword and cannot be a code",
                                        {"code": "HELP"})
    assert code_problem(db, "kaffe") == ("The code {code} is already used", {"code": "KAFFE"})
    assert code_problem(db, "AB")[0].startswith("A code is 3 to 10 letters")
    assert code_problem(db, "123") == ("A code needs at least one letter", {})


def test_add_community_is_audited_and_stores_clean_text(db, now):
    community_id = add_community(
        db, code="spil", town=" Munkebo ", place="Biblioteket\x1b[2J",
        texts={**TEXTS, "uk": {"name": "", "description": "", "schedule": ""}},
        coordinator_id=3, now=now)
    community = get_community(db, "SPIL")
    assert (community["id"], community["town"], community["place"]) == (
        community_id, "Munkebo", "Biblioteket")
    assert set(community_texts(db, "SPIL")) == {"da", "en"}
    entry = audit_log(db)[0]
    assert (entry["action"], entry["record_id"], entry["coordinator_id"]) == (
        "community_create", community_id, 3)


def test_add_community_needs_a_danish_name_and_a_town(db, now):
    with pytest.raises(InvalidValue):
        add_community(db, code="SPIL", town="Munkebo", place="",
                      texts={"en": {"name": "Games"}}, coordinator_id=3, now=now)
    with pytest.raises(InvalidValue):
        add_community(db, code="SPIL", town=" ", place="", texts=TEXTS, coordinator_id=3,
                      now=now)
    assert audit_log(db) == []


def test_update_community_changes_texts_per_language_and_keeps_the_code(db, now, community):
    update_community(db, "kaffe", town="Kerteminde", place="Rådhuset",
                     texts={"da": {"name": "Kaffeklubben", "schedule": "Mandage"},
                            "en": {"name": ""}, "uk": {"name": "Кавовий клуб"}},
                     coordinator_id=3, now=now)
    assert community_texts(db, community) == {
        "da": {"name": "Kaffeklubben", "description": "", "schedule": "Mandage"},
        "uk": {"name": "Кавовий клуб", "description": "", "schedule": ""}}
    stored = get_community(db, community)
    assert (stored["code"], stored["town"], stored["place"]) == (
        "KAFFE", "Kerteminde", "Rådhuset")
    assert audit_log(db)[0]["action"] == "community_edit"


def test_update_community_without_a_danish_name_changes_nothing(db, now, community):
    with pytest.raises(InvalidValue):
        update_community(db, community, town="Kerteminde", place="",
                         texts={"da": {"name": " "}}, coordinator_id=3, now=now)
    assert get_community(db, community)["town"] == "Munkebo"
    assert community_texts(db, community)["da"]["name"] == "Kaffeklub"
    assert audit_log(db) == []


def test_change_community_status_is_audited(db, now, community):
    for status, action in (("paused", "community_pause"), ("active", "community_resume"),
                           ("archived", "community_archive")):
        change_community_status(db, community, status, coordinator_id=3, now=now)
        assert get_community(db, community)["status"] == status
        assert audit_log(db)[0]["action"] == action
    with pytest.raises(IllegalTransition):
        change_community_status(db, community, "active", coordinator_id=3, now=now)
    assert len(audit_log(db)) == 3


def test_a_member_whose_number_is_suppressed_gets_no_broadcast(db, now, community, members,
                                                                anna):
    # A number that opted out, was erased and came back (at the
    # kiosk) has a contact row whose flag would not say so; the list does.
    from shared.suppression import suppress

    db.execute("UPDATE contacts SET opted_out = 0 WHERE id = ?", (members[1]["id"],))
    suppress(db, members[1]["phone"], now=now)
    assert [r["contact_id"] for r in recipients_of(db, community)] == [
        members[0]["id"], members[3]["id"]]
    assert audience(db, community) == Audience(recipients=2, opted_out=2, languages={"da": 2})
    broadcast_id = send_broadcast(db, community, "Kaffe i morgen", coordinator_id=anna, now=now)
    sent = rows(db, "SELECT phone FROM messages WHERE broadcast_id = ?", (broadcast_id,))
    assert members[1]["phone"] not in {m["phone"] for m in sent} and len(sent) == 2


# --- a text per language: which text each recipient gets -----------------------------

DANISH, ARABIC = "Lektiehjælpen holder lukket i uge 42.", "مساعدة الواجبات مغلقة في الأسبوع 42."
UKRAINIAN = "Допомога з домашніми завданнями закрита на 42 тижні."


@pytest.mark.parametrize(("language", "texts", "gets"), [
    ("ar", {"da": DANISH, "ar": ARABIC}, "ar"),
    ("uk", {"da": DANISH, "ar": ARABIC}, "da"),    # no Ukrainian text: the main one
    ("da", {"da": DANISH, "ar": ARABIC}, "da"),
    (None, {"da": DANISH, "ar": ARABIC}, "da"),    # no language known: the default
    ("ar", {"da": DANISH, "ar": ""}, "da"),        # an empty text is no text
    ("en", {"da": DANISH}, "da"),
], ids=str)
def test_each_recipient_gets_the_text_in_their_language_else_the_main_one(language, texts, gets):
    assert text_language(language, texts) == gets


def test_the_texts_are_cleaned_and_empty_translations_left_out():
    assert broadcast_texts("  Hej\x1b[31m ", {"ar": f" {ARABIC} ", "uk": "  ", "da": "Nej"}) == {
        "da": "Hej", "ar": ARABIC}
    assert list(broadcast_texts("Hej", {"uk": UKRAINIAN, "ar": ARABIC})) == ["da", "uk", "ar"]


def test_languages_are_counted_most_first_and_no_language_as_danish():
    assert count_languages(["ar", "da", None, "uk", "ar", "da", "da"]) == {
        "da": 4, "ar": 2, "uk": 1}
    assert list(count_languages(["uk", "da", "ar"])) == ["da", "ar", "uk"]


def test_estimate_measures_each_text_for_those_who_get_it(now):
    reach = Audience(recipients=12, opted_out=1, languages={"da": 9, "ar": 2, "uk": 1})
    estimate = estimate_broadcast("x" * 200, reach, translations={"ar": ARABIC, "uk": ""},
                                  now=now, quiet_start=time(0, 0), quiet_end=time(0, 0))
    assert list(estimate.texts) == ["da", "ar"]
    danish, arabic = estimate.texts["da"], estimate.texts["ar"]
    assert (danish.encoding, danish.segments, danish.readers) == ("GSM-7", 2, 10)
    assert (arabic.characters, arabic.encoding, arabic.segments, arabic.readers) == (
        len(ARABIC), "UCS-2", 1, 2)
    assert estimate.fallback == {"uk": 1}  # the Ukrainian member gets the Danish text
    assert estimate.total_segments == 10 * 2 + 2 * 1
    assert estimate.cost == COST_PER_SEGMENT * 22
    assert estimate.problem is None


@pytest.mark.parametrize(("main", "translations", "problem"), [
    ("Hej", {"ar": ARABIC}, None),
    ("Hej", {"uk": "ї" * (MAX_BODY + 1)},
     ("The text in {language} is too long: at most {n} characters.",
      {"language": "uk", "n": MAX_BODY})),
    ("x" * (MAX_BODY + 1), {}, ("The text is too long: at most {n} characters.", {"n": MAX_BODY})),
    ("", {"ar": ARABIC}, ("Write the Danish text too: it goes to everyone without a text in "
                          "their language.", {})),
    (" ", {}, ("Write the text of the SMS.", {})),
], ids=["fine", "translation-too-long", "main-too-long", "translation-alone", "empty"])
def test_texts_problem_says_why_texts_cannot_be_sent(main, translations, problem):
    assert texts_problem(broadcast_texts(main, translations)) == problem


@pytest.fixture
def speakers(db, now, community):
    """Members of KAFFE in Danish, Arabic, Ukrainian, English and none; one Arab opted out."""
    languages = ("da", "ar", "uk", "en", None, "ar")
    contacts = [touch_contact(db, f"20 11 33 0{n}", now=now, language=language)
                for n, language in enumerate(languages)]
    for contact in contacts:
        join_community(db, contact["id"], community, channel="sms", now=now)
    opt_out(db, contacts[-1]["id"], now=now)
    return contacts


def test_the_audience_counts_the_languages_of_those_who_take_sms(db, community, speakers):
    assert audience(db, community) == Audience(
        recipients=5, opted_out=1, languages={"da": 2, "ar": 1, "en": 1, "uk": 1})


def test_the_service_queues_each_recipient_the_text_in_their_language(db, now, community,
                                                                      speakers, anna):
    sent = broadcast(db, community, DANISH, translations={"ar": ARABIC, "uk": UKRAINIAN,
                                                          "en": " "},
                     coordinator_id=anna, now=now, quiet_start=QUIET[0], quiet_end=QUIET[1])
    queued = {m["contact_id"]: m for m in rows(
        db, "SELECT * FROM messages WHERE broadcast_id = ?", (sent.id,))}
    da, ar, uk, en, unknown, opted_out = (c["id"] for c in speakers)
    assert {contact: m["body"] for contact, m in queued.items()} == {
        da: DANISH, ar: ARABIC, uk: UKRAINIAN, en: DANISH, unknown: DANISH}
    assert (queued[ar]["encoding"], queued[da]["encoding"]) == ("UCS-2", "GSM-7")
    assert {m["kind"] for m in queued.values()} == {"broadcast"}
    assert rows(db, "SELECT body FROM broadcasts") == [{"body": DANISH}]
    assert rows(db, "SELECT broadcast_id, language, body FROM broadcast_translations"
                    " ORDER BY language") == [
        {"broadcast_id": sent.id, "language": "ar", "body": ARABIC},
        {"broadcast_id": sent.id, "language": "uk", "body": UKRAINIAN}]
    assert [e["action"] for e in audit_log(db)] == ["broadcast"]  # one row, as before


@pytest.mark.parametrize(("main", "translations"), [(DANISH, {"ar": "ب" * (MAX_BODY + 1)}),
                                                   ("", {"ar": ARABIC})])
def test_the_service_refuses_a_translation_over_its_limit_or_without_a_main_text(
        db, now, community, speakers, anna, main, translations):
    with pytest.raises(InvalidValue):
        broadcast(db, community, main, translations=translations, coordinator_id=anna, now=now,
                  quiet_start=QUIET[0], quiet_end=QUIET[1])
    assert rows(db, "SELECT * FROM messages") == []
    assert rows(db, "SELECT * FROM broadcast_translations") == []
    assert audit_log(db) == []

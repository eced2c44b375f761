"""Tests for shared.exports: the fields design.md promises for each kind."""

import csv
import io
import stat

import pytest
from openpyxl import load_workbook

from shared.communities import join_community, leave_community
from shared.contacts import touch_contact
from shared.exports import (EXPORT_KINDS, csv_text, export_rows, export_table, neutralise_cell,
                            save_private, write_private, xlsx_bytes)
from shared.feedback import record_feedback
from shared.offers import record_offer

# From design.md, "Fixed outer interface": outside tests rely on these names.
OFFER_FIELDS = {"id", "phone", "category", "description", "town", "status", "channel",
                "location", "created_at"}
FEEDBACK_FIELDS = {"id", "phone", "kind", "text", "rating", "town", "status", "channel",
                   "location", "created_at"}
MEMBER_FIELDS = {"code", "phone", "joined_at", "channel"}


NEED_FIELDS = ["id", "phone", "description", "category", "town", "when", "status", "channel",
               "location", "created_at"]
INTRODUCTION_FIELDS = {"id", "need_id", "offer_id", "status", "ended_reason", "need_answer",
                       "need_answered_at", "offer_answer", "offer_answered_at", "need_phone",
                       "offer_phone"}


def test_export_kinds_match_the_cli_promise():
    assert set(EXPORT_KINDS) == {"offers", "feedback", "communities", "members", "messages",
                                 "inbox", "needs", "introductions"}


def test_offers_carry_the_promised_fields(db, contact, now):
    record_offer(db, contact_id=contact["id"], description="Lift til Odense", category="transport",
                 town="Dalby", channel="kiosk", location="Rådhuset", now=now)
    record_offer(db, description="Anonym hjælp", channel="kiosk", now=now)
    mine, anonymous = export_rows(db, "offers")
    assert OFFER_FIELDS <= set(mine)
    assert {k: mine[k] for k in ("phone", "category", "description", "town", "status",
                                 "channel", "location")} == {
        "phone": "+4520112233", "category": "transport", "description": "Lift til Odense",
        "town": "Dalby", "status": "pending", "channel": "kiosk", "location": "Rådhuset"}
    assert anonymous["phone"] is None


def test_feedback_phone_is_none_when_anonymous(db, contact, now):
    record_feedback(db, kind="ide", text="Flere bænke", rating=4, town="Munkebo",
                    channel="kiosk", location="Munkebo Bibliotek", now=now)
    record_feedback(db, kind="ros", text="Tak", contact_id=contact["id"], channel="sms", now=now)
    anonymous, known = export_rows(db, "feedback")
    assert FEEDBACK_FIELDS <= set(anonymous)
    assert (anonymous["phone"], anonymous["kind"], anonymous["rating"], anonymous["location"]) == (
        None, "ide", 4, "Munkebo Bibliotek")
    assert known["phone"] == "+4520112233"


def test_members_carry_code_phone_and_channel_of_current_members(db, contact, community, now):
    other = touch_contact(db, "30112233", now=now)
    join_community(db, contact["id"], community, channel="kiosk", location="Munkebo Bibliotek",
                   now=now)
    join_community(db, other["id"], community, channel="sms", now=now)
    leave_community(db, other["id"], community, now=now)
    [member] = export_rows(db, "members")
    assert MEMBER_FIELDS <= set(member)
    assert (member["code"], member["phone"], member["channel"]) == (
        "KAFFE", "+4520112233", "kiosk")


def test_communities_and_messages_export_from_the_demo(demo_db):
    communities = export_rows(demo_db, "communities")
    assert len(communities) == demo_db.execute("SELECT count(*) FROM communities").fetchone()[0]
    assert all(c["code"] and c["name_da"] for c in communities)
    assert [c["code"] for c in communities] == sorted(c["code"] for c in communities)
    assert export_rows(demo_db, "messages") == []


@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_every_kind_exports_from_an_empty_store(db, kind):
    assert export_rows(db, kind) == []


@pytest.mark.parametrize("kind", ["contacts", "", "OFFERS"])
def test_unknown_kind_raises(db, kind):
    with pytest.raises(ValueError, match="Unknown export kind"):
        export_rows(db, kind)


# -- safe exports -----------------------------------------------------------------------

# Cells a spreadsheet would run, as the probe sent them: OWASP's starting characters.
FORMULAS = ["=1+1", "+45 2011 2233", "-2+3", "@SUM(A1:A2)", "\tvist", "\r=1+1",
            '=HYPERLINK("http://x","klik")']


def test_every_cell_a_spreadsheet_would_run_gets_a_leading_quote():
    assert [neutralise_cell(text) for text in FORMULAS] == ["'" + text for text in FORMULAS]
    for kept in ["Tak for kaffen", "a=b", " =1", "", None, 5, -2]:
        assert neutralise_cell(kept) == kept


def test_csv_neutralises_offers_and_feedback_and_quotes_separators(db, contact, now):
    for text in FORMULAS:
        record_offer(db, contact_id=contact["id"], description=text, channel="sms", now=now)
        record_feedback(db, kind="ris", text=text + ';"x"', contact_id=contact["id"],
                        channel="kiosk", now=now)
    for kind, column in [("offers", "description"), ("feedback", "text")]:
        names, records = export_table(db, kind)
        for delimiter in [",", ";"]:
            written = list(csv.DictReader(io.StringIO(
                csv_text(names, records, delimiter=delimiter), newline=""), delimiter=delimiter))
            texts = [r[column] for r in written]
            # record_* strips the text, so "\tvist" is stored as "vist": every other
            # one comes back behind one quote, and the separators inside stay put.
            assert texts == [("'" if r[column][0] in "=+-@\t\r" else "") + r[column]
                             for r in records]
            assert sum(t.startswith("'") for t in texts) == len(FORMULAS) - 1
            assert {r["phone"] for r in written} == {"'+4520112233"}
    stored = [r["description"] for r in export_rows(db, "offers")]
    assert stored[0] == "=1+1"  # the store and the JSON export keep the text exact


def test_xlsx_cells_are_typed_text(db, contact, now):
    record_offer(db, contact_id=contact["id"], description="=1+1", channel="sms", now=now,
                 town="Dalby")
    record_feedback(db, kind="ros", text="@SUM(A1)", rating=5, channel="kiosk", now=now)
    record_offer(db, description="Bip\x07 og \x1b[2J", channel="kiosk", now=now)
    names, records = export_table(db, "offers")
    sheet = load_workbook(io.BytesIO(xlsx_bytes(names, records, title="offers")))["offers"]
    header, first, second = list(sheet.iter_rows())
    assert [c.value for c in header] == names and header[0].font.bold
    assert sheet.freeze_panes == "A2"
    for cell, name in zip(first, names):
        if records[0][name] is None:
            assert cell.value is None
        else:
            assert (cell.value, cell.data_type) == (str(records[0][name]), "s"), name
    assert {c.number_format for row in (header, first, second) for c in row} == {"@"}
    by_name = dict(zip(names, first))
    assert by_name["description"].value == "=1+1"  # a text, not a formula
    assert by_name["phone"].value == "+4520112233"
    assert by_name["id"].value == "1"
    assert by_name["created_at"].value == now.isoformat()
    # The export drops the escape sequence and the BEL stored before cleaning.
    assert dict(zip(names, second))["description"].value == "Bip og "


@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_xlsx_of_an_empty_kind_has_its_header(db, kind):
    names, records = export_table(db, kind)
    sheet = load_workbook(io.BytesIO(xlsx_bytes(names, records, title=kind))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [names]


def test_private_files_take_text_and_bytes(tmp_path):
    folder = tmp_path / "exports"
    first = write_private(folder, "offers", ".csv", "æøå")
    second = write_private(folder, "offers", ".csv", b"PK\x03\x04")
    assert (first.name, second.name) == ("offers.csv", "offers-2.csv")
    assert first.read_text(encoding="utf-8") == "æøå" and second.read_bytes() == b"PK\x03\x04"
    assert {stat.S_IMODE(p.stat().st_mode) for p in (first, second)} == {0o600}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_save_private_replaces_a_file_whole_and_makes_it_private(tmp_path):
    path = tmp_path / "offers.xlsx"
    path.write_text("old")
    path.chmod(0o644)
    save_private(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["offers.xlsx"]


def test_escape_sequences_and_invisible_characters_stored_before_never_leave(demo_db, now):
    # Rows written before inbound text was cleaned, or by the provider's answers.
    from shared.messages import queue_message

    message_id = queue_message(demo_db, phone="+4520112233", body="Hej\u200b med\u00addig",
                               now=now)
    demo_db.execute("UPDATE messages SET error_code = ? WHERE id = ?",
                    ("300\x1b]8;;http://x\x07\x1b[2J03", message_id))
    exported = export_rows(demo_db, "messages")[0]
    assert (exported["body"], exported["error_code"]) == ("Hej meddig", "30003")
    assert "\x1b" not in csv_text(*export_table(demo_db, "messages"))


def test_needs_carry_the_promised_fields_with_when_by_that_name(db, contact, now):
    from shared.needs import record_need

    record_need(db, contact_id=contact["id"], description="Kørsel til lægen", channel="sms",
                now=now, category="transport", town="Munkebo", needed_when="torsdag")
    [need] = export_rows(db, "needs")
    assert list(need) == NEED_FIELDS
    assert {k: need[k] for k in ("phone", "description", "category", "town", "when", "status",
                                 "channel", "location")} == {
        "phone": "+4520112233", "description": "Kørsel til lægen", "category": "transport",
        "town": "Munkebo", "when": "torsdag", "status": "new", "channel": "sms",
        "location": None}


def introduce_twice(db, now):
    """Two needs introduced to one offer: the first both say yes to, the second gets a no."""
    from shared.coordinators import add_coordinator
    from shared.needs import record_need
    from shared.services import introducing
    from shared.services.decisions import decide_offer

    anna = add_coordinator(db, "Anna", "123456", now=now)
    helper, first, second = (touch_contact(db, phone, now=now)
                             for phone in ("20110001", "20110002", "20110003"))
    offer = record_offer(db, contact_id=helper["id"], description="Jeg kører til Odense",
                         channel="sms", now=now)
    decide_offer(db, offer, "approve", coordinator_id=anna, now=now)
    agreed, declined = (
        introducing.propose(db, record_need(db, contact_id=who["id"], description="En tur",
                                            channel="sms", now=now),
                            offer, coordinator_id=anna, now=now)
        for who in (first, second))
    introducing.answer(db, agreed, "need", True, name="Inge", now=now)
    introducing.answer(db, agreed, "offer", True, name="Bo", now=now)
    introducing.answer(db, declined, "offer", False, name=None, now=now)
    return agreed, declined


def test_introductions_carry_both_numbers_only_where_both_said_yes(db, now):
    agreed, declined = introduce_twice(db, now)
    exported = {row["id"]: row for row in export_rows(db, "introductions")}
    assert INTRODUCTION_FIELDS <= set(exported[agreed])
    both = exported[agreed]
    assert (both["status"], both["need_answer"], both["offer_answer"]) == ("agreed", "yes", "yes")
    assert (both["need_phone"], both["offer_phone"]) == ("+4520110002", "+4520110001")
    no = exported[declined]
    assert (no["status"], no["ended_reason"], no["offer_answer"]) == (
        "declined", "offer_said_no", "no")
    assert (no["need_phone"], no["offer_phone"]) == (None, None)
    # Nowhere else in the file either: a number leaves only with both yeses.
    assert "+4520110003" not in csv_text(*export_table(db, "introductions"))

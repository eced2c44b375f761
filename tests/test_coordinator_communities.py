"""Pilot tests for the coordinator's Communities tab: the table, the form, members, broadcasts."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from textual.widgets import DataTable, ProgressBar

from kiosk.coordinator.broadcast_form import money
from shared.audit import audit_log
from shared.communities import community_texts, create_community, get_community, join_community
from shared.contacts import opt_out, touch_contact
from shared.db import rows
from shared.i18n import TIMEZONE
from pdf_reading import needs_pdf, pdf_text

pytestmark = pytest.mark.asyncio

# The kiosk runs in English so the assertions hold once the Danish catalog has
# these messages too; demo communities then show their English names.
SIZE = (120, 40)
DAYTIME = datetime(2026, 11, 27, 10, 0, tzinfo=TIMEZONE)
EVENING = datetime(2026, 11, 27, 22, 15, tzinfo=TIMEZONE)


@pytest.fixture
def clock(monkeypatch):
    """Fix the kiosk's clock for the broadcast preview and progress; set clock.now to move it."""
    import kiosk.coordinator.broadcast_form as form
    import kiosk.coordinator.broadcast_progress as progress

    class Clock:
        now = DAYTIME

        def __call__(self):
            return self.now.astimezone(timezone.utc)

    fixed = Clock()
    monkeypatch.setattr(form, "utcnow", fixed)
    monkeypatch.setattr(progress, "utcnow", fixed)
    return fixed


async def open_tab(visitor):
    visitor.one("#tabs").active = "tab-communities"
    await visitor.settle()
    visitor.one("#communities").focus()
    await visitor.settle()


def table(visitor) -> DataTable:
    return visitor.one("#communities")


def row_of(visitor, code: str) -> list[str]:
    return [str(cell) for cell in table(visitor).get_row(code)]


async def highlight(visitor, code: str) -> None:
    grid = table(visitor)
    grid.move_cursor(row=grid.get_row_index(code))
    await visitor.settle()


async def save(visitor) -> None:
    # A button ignores a second click during its 0.2 s press animation.
    await visitor.until(lambda: not visitor.one("#save").has_class("-active"))
    await visitor.tap("#save")
    await visitor.settle()


async def fill(visitor, **values) -> None:
    for selector, value in values.items():
        visitor.one(f"#{selector.replace('_', '-')}").value = value
    await visitor.pilot.pause()


async def test_create_edit_pause_and_archive_a_community(coordinator_session, demo_db):
    async with coordinator_session(size=SIZE, locale="en") as visitor:
        app = visitor.app
        await open_tab(visitor)
        anna = app.coordinator["id"]
        assert row_of(visitor, "STRIK") == ["STRIK", "Knitting café", "Kerteminde", "Active", "2"]

        await visitor.press("n")
        await visitor.until(lambda: app.screen.id == "community-form")
        visitor.one("#code").focus()
        await visitor.type("help")
        await fill(visitor, town="Munkebo", place="Biblioteket", name_da="Brætspil",
                   name_en="Board games", schedule_da="Fredage kl. 16")
        await save(visitor)
        assert visitor.text("#problem") == "HELP is an SMS keyword and cannot be a code"
        await fill(visitor, code="strik")
        await save(visitor)
        assert visitor.text("#problem") == "The code STRIK is already used"
        await fill(visitor, code="brætspil", name_da="")
        await save(visitor)
        assert visitor.text("#problem") == "Write the name in Danish."
        await fill(visitor, name_da="Brætspil")
        await save(visitor)
        await visitor.until(lambda: app.screen.id == "coordinator")
        await visitor.settle()
        assert row_of(visitor, "BRAETSPIL") == [
            "BRAETSPIL", "Board games", "Munkebo", "Active", "0"]
        assert table(visitor).cursor_row == table(visitor).get_row_index("BRAETSPIL")

        await visitor.press("e")
        await visitor.until(lambda: app.screen.id == "community-form")
        await visitor.settle()
        assert visitor.one("#code").disabled and visitor.one("#code").value == "BRAETSPIL"
        assert visitor.one("#name-da").value == "Brætspil"
        await fill(visitor, name_en="Board game club")
        visitor.one("#place").focus()
        await visitor.press("enter")  # Input.Submitted saves as well
        await visitor.until(lambda: app.screen.id == "coordinator")
        await visitor.settle()
        assert row_of(visitor, "BRAETSPIL")[1] == "Board game club"

        await visitor.press("p")
        await visitor.settle()
        assert row_of(visitor, "BRAETSPIL")[3] == "Paused"
        await visitor.press("p")
        await visitor.settle()
        assert row_of(visitor, "BRAETSPIL")[3] == "Active"
        await visitor.press("p")
        await visitor.settle()

        await visitor.press("x")
        await visitor.until(lambda: app.screen.id == "confirm")
        await visitor.press("escape")  # no: nothing happens
        assert row_of(visitor, "BRAETSPIL")[3] == "Paused"
        await visitor.press("x")
        await visitor.until(lambda: app.screen.id == "confirm")
        await visitor.tap("#confirm-yes")
        await visitor.until(lambda: row_of(visitor, "BRAETSPIL")[3] == "Archived")
        await visitor.press("p")  # an archived community stays archived
        await visitor.settle()
        assert row_of(visitor, "BRAETSPIL")[3] == "Archived"

    community = get_community(demo_db, "BRAETSPIL")
    assert community_texts(demo_db, "BRAETSPIL")["en"]["name"] == "Board game club"
    entries = [(e["action"], e["record_kind"], e["record_id"]) for e in audit_log(demo_db)
               if e["record_kind"] == "community"]
    assert entries[::-1] == [(action, "community", community["id"]) for action in (
        "community_create", "community_edit", "community_pause", "community_resume",
        "community_pause", "community_archive")]
    assert {e["coordinator_id"] for e in audit_log(demo_db)
            if e["record_kind"] == "community"} == {anna}


async def test_member_list_shows_the_demo_members(coordinator_session):
    async with coordinator_session(size=SIZE, locale="en") as visitor:
        app = visitor.app
        await open_tab(visitor)
        await highlight(visitor, "STRIK")
        await visitor.press("enter")
        await visitor.until(lambda: app.screen.id == "community-members")
        await visitor.settle()
        members = visitor.one("#members")
        phones = [str(members.get_row_at(i)[0]) for i in range(members.row_count)]
        assert phones == ["+4520110101", "+4520110606"]
        assert [str(c) for c in members.get_row_at(1)][2:] == [
            "Kiosk", "Kerteminde Bibliotek", "yes", "—"]
        assert "Members of STRIK: Knitting café" in visitor.screen_text()
        await visitor.press("escape")
        await visitor.until(lambda: app.screen.id == "coordinator")


async def test_a_member_is_made_leader_paused_and_no_longer_leader(coordinator_session,
                                                                   demo_db):
    async with coordinator_session(size=SIZE, locale="en") as visitor:
        app = visitor.app
        await open_tab(visitor)
        await highlight(visitor, "STRIK")
        await visitor.press("enter")
        await visitor.until(lambda: app.screen.id == "community-members")
        await visitor.settle()
        await visitor.press("l")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        # The dialog shows the SMS the new leader will get, before anything is sent.
        await visitor.until(lambda: "SEND STRIK" in visitor.screen_text())
        await visitor.type("Inge Marie")
        await visitor.press("enter")
        await visitor.until(lambda: app.screen.id == "community-members")
        members = visitor.one("#members")
        await visitor.until(lambda: str(members.get_row_at(0)[5]) == "Inge")
        welcome = rows(demo_db, "SELECT body FROM messages WHERE phone = '+4520110101'"
                                " AND kind = 'notice'")
        assert len(welcome) == 1 and "SEND STRIK" in welcome[0]["body"]
        await visitor.press("s")
        await visitor.until(lambda: str(members.get_row_at(0)[5]) == "Inge (paused)")
        await visitor.press("u")
        await visitor.until(lambda: str(members.get_row_at(0)[5]) == "—")
    actions = [e["action"] for e in audit_log(demo_db) if e["action"].endswith("_leader")]
    assert actions == ["dismiss_leader", "pause_leader", "appoint_leader"]


async def test_broadcast_preview_send_and_progress(coordinator_session, demo_db, clock, now):
    # STRIK has two demo members; one more who opted out gets nothing.
    quiet = touch_contact(demo_db, "20 11 09 99", now=now)
    join_community(demo_db, quiet["id"], "STRIK", channel="sms", now=now)
    opt_out(demo_db, quiet["id"], now=now)
    async with coordinator_session(size=SIZE, locale="en") as visitor:
        app = visitor.app
        await open_tab(visitor)
        await highlight(visitor, "STRIK")
        await visitor.press("b")
        await visitor.until(lambda: app.screen.id == "broadcast")
        await visitor.settle()
        assert visitor.one("#send").disabled
        await visitor.type("Hej")
        assert visitor.text("#preview-size") == "3 characters · GSM-7 · 1 segment per SMS"
        assert visitor.text("#preview-recipients") == (
            "2 recipients: 2 Danish (1 member has opted out and gets nothing)")
        # Everyone reads Danish: no other text to write, nobody left without theirs.
        assert not visitor.app.screen.query("#text-language")
        assert not visitor.one("#preview-fallback").display
        assert visitor.text("#preview-cost") == (
            f"In all: 2 segments, about {money(app, Decimal('0.70'))}")
        assert visitor.text("#preview-when") == "It will be sent right away."
        assert not visitor.one("#send").disabled

        clock.now = EVENING
        visitor.one("#body").insert(" 🙂")
        await visitor.pilot.pause()
        assert visitor.text("#preview-size") == "5 characters · UCS-2 · 1 segment per SMS"
        assert "GSM-7" in visitor.text("#preview-encoding")
        assert visitor.text("#preview-when") == "Quiet hours: it will be sent from 08:00."
        visitor.one("#body").text = "x" * 161
        await visitor.pilot.pause()
        assert visitor.text("#preview-size") == "161 characters · GSM-7 · 2 segments per SMS"
        assert visitor.text("#preview-cost") == (
            f"In all: 4 segments, about {money(app, Decimal('1.40'))}")
        visitor.one("#body").text = "Hej 🙂 Vi ses på fredag"
        await visitor.pilot.pause()

        await visitor.tap("#send")
        await visitor.until(lambda: app.screen.id == "confirm")
        assert "Send this SMS to 2 members of Knitting café?" in visitor.text("#confirm-question")
        await visitor.tap("#confirm-yes")
        await visitor.until(lambda: app.screen.id == "coordinator")
        await visitor.settle()
        # Sent in the evening: quiet hours hold it, and the coordinator is told when it goes.
        assert notified(app, "Quiet hours: the SMS is sent from 08:00.")
        assert not notified(app, "The SMS is on its way.")

        messages = rows(demo_db, "SELECT * FROM messages WHERE kind = 'broadcast' ORDER BY id")
        assert len(messages) == 2 and {m["phone"] for m in messages} == {
            "+4520110101", "+4520110606"}
        broadcast_id = messages[0]["broadcast_id"]
        assert broadcast_id is not None
        assert {(m["broadcast_id"], m["status"], m["body"], m["encoding"]) for m in messages} == {
            (broadcast_id, "queued", "Hej 🙂 Vi ses på fredag", "UCS-2")}
        entry = audit_log(demo_db)[0]
        assert (entry["action"], entry["record_kind"], entry["record_id"],
                entry["coordinator_id"]) == ("broadcast", "community",
                                             get_community(demo_db, "STRIK")["id"],
                                             app.coordinator["id"])

        counts = lambda: visitor.text("#broadcast-counts")  # noqa: E731
        assert counts().startswith("Queued 2 · sending 0 · sent 0 · delivered 0 · failed 0")
        assert "it will be sent from 08:00" in counts()
        bar = visitor.one("#broadcast-bar")
        assert (bar.total, bar.progress) == (2, 0)

        demo_db.execute("UPDATE messages SET status = 'delivered' WHERE id = ?",
                        (messages[0]["id"],))
        await visitor.until(lambda: counts().startswith(
            "Queued 1 · sending 0 · sent 0 · delivered 1 · failed 0"), timeout=4)
        assert (bar.total, bar.progress) == (2, 1)
        demo_db.execute("UPDATE messages SET status = 'failed' WHERE id = ?",
                        (messages[1]["id"],))
        await visitor.until(lambda: "delivered 1 · failed 1" in counts(), timeout=4)
        assert "All handed over to the SMS provider." in counts()
        assert visitor.one("#broadcast-progress").timer is None  # it stopped refreshing
        assert isinstance(bar, ProgressBar) and bar.progress == 2


# LEKTIE's demo members read Danish, Arabic and Ukrainian.
LEKTIE_PHONES = {"da": "+4520110202", "ar": "+4520111010", "uk": "+4520111111"}
ARABIC = "مساعدة الواجبات مغلقة في الأسبوع 42."


async def open_broadcast(visitor, code: str) -> None:
    await open_tab(visitor)
    await highlight(visitor, code)
    await visitor.press("b")
    await visitor.until(lambda: visitor.app.screen.id == "broadcast")
    await visitor.settle()


async def write_in(visitor, language: str, text: str) -> None:
    """Pick the text's language in the dialog's Select, then write it."""
    visitor.one("#text-language").value = language
    await visitor.pilot.pause()
    visitor.one("#body").text = text
    await visitor.pilot.pause()


async def test_broadcast_in_the_languages_of_the_members(coordinator_session, demo_db, clock):
    async with coordinator_session(size=(80, 24), locale="en") as visitor:
        app = visitor.app
        await open_broadcast(visitor, "LEKTIE")
        assert visitor.text("#preview-recipients") == (
            "3 recipients: 1 Danish, 1 Arabic, and 1 Ukrainian")
        assert visitor.text("#preview-fallback") == (
            "2 get the Danish text because there is no text in their language "
            "(Arabic and Ukrainian).")
        choices = visitor.one("#text-language > SelectOverlay")  # the dropdown's list
        assert [str(choices.get_option_at_index(i).prompt)
                for i in range(choices.option_count)] == [
            "Text in Danish (main text) · 1 recipient", "Text in Arabic · 1 recipient",
            "Text in Ukrainian · 1 recipient"]
        assert visitor.one("#text-language").value == "da"
        assert app.screen.focused is visitor.one("#body")

        await visitor.type("Lektiehjælpen holder lukket i uge 42.")
        assert visitor.text("#preview-size") == "37 characters · GSM-7 · 1 segment per SMS"
        await write_in(visitor, "ar", ARABIC)
        assert visitor.text("#preview-size") == (
            f"{len(ARABIC)} characters · UCS-2 · 1 segment per SMS")
        assert "GSM-7" in visitor.text("#preview-encoding")
        assert visitor.one("#body").placeholder == (
            "Write the text in Arabic here. Without it, they get the Danish text.")
        assert visitor.text("#preview-fallback") == (
            "1 gets the Danish text because there is no text in their language (Ukrainian).")
        assert visitor.text("#preview-cost").startswith("In all: 3 segments")
        # Back to the main text: it is still there, with its own count.
        visitor.one("#text-language").value = "da"
        await visitor.pilot.pause()
        assert visitor.one("#body").text == "Lektiehjælpen holder lukket i uge 42."
        assert visitor.text("#preview-size") == "37 characters · GSM-7 · 1 segment per SMS"
        # Everything fits at 80x24: the buttons are on screen.
        assert app.screen.region.contains_region(visitor.one("#send").region)

        await visitor.tap("#send")
        await visitor.until(lambda: app.screen.id == "confirm")
        assert "(Ukrainian)" in visitor.text("#confirm-details")
        await visitor.tap("#confirm-yes")
        await visitor.until(lambda: app.screen.id == "coordinator")
        await visitor.settle()

    sent = {m["phone"]: m["body"] for m in rows(
        demo_db, "SELECT phone, body FROM messages WHERE kind = 'broadcast'")}
    assert sent == {LEKTIE_PHONES["da"]: "Lektiehjælpen holder lukket i uge 42.",
                    LEKTIE_PHONES["ar"]: ARABIC,
                    LEKTIE_PHONES["uk"]: "Lektiehjælpen holder lukket i uge 42."}


async def test_a_text_in_another_language_over_its_limit_is_refused(coordinator_session, clock):
    async with coordinator_session(size=(80, 24), locale="en") as visitor:
        await open_broadcast(visitor, "LEKTIE")
        await visitor.type("Hej")
        assert not visitor.one("#send").disabled
        await write_in(visitor, "uk", "ї" * 1601)
        assert visitor.text("#problem") == (
            "The text in Ukrainian is too long: at most 1600 characters.")
        assert visitor.one("#send").disabled
        # The reason stays while another text is shown: it is about the whole SMS.
        visitor.one("#text-language").value = "da"
        await visitor.pilot.pause()
        assert visitor.text("#problem").startswith("The text in Ukrainian is too long")
        assert visitor.one("#send").disabled
        await write_in(visitor, "uk", "ї" * 1600)
        assert not visitor.one("#problem").display and not visitor.one("#send").disabled


async def test_the_languages_are_named_in_the_coordinators_language(coordinator_session, clock):
    async with coordinator_session(size=(80, 24), locale="da") as visitor:
        await open_broadcast(visitor, "LEKTIE")
        assert visitor.text("#preview-recipients") == (
            "3 modtagere: 1 dansk, 1 arabisk og 1 ukrainsk")
        assert visitor.text("#preview-fallback") == (
            "2 får den danske tekst, fordi der ikke er en tekst på deres sprog "
            "(arabisk og ukrainsk).")


MARKUP_NAMES = ("[@click=app.quit]x", "[/x]")


def notified(app, message: str) -> bool:
    """Tell whether a pane's status line shows this message, literally."""
    return any(str(line.render()) == message for line in app.screen.query(".pane-status.-shown"))


async def test_coordinator_text_shows_literally_everywhere(coordinator_session, demo_db, now):
    create_community(demo_db, code="KLIK", town="[/x]", place="[b]sted[/b]", now=now,
                     texts={"da": {"name": MARKUP_NAMES[0], "schedule": "[/x]"},
                            "en": {"name": MARKUP_NAMES[0]}})
    create_community(demo_db, code="SLUT", town="Dalby", now=now,
                     texts={"da": {"name": MARKUP_NAMES[1]}})
    member = touch_contact(demo_db, "20 11 08 88", now=now)
    join_community(demo_db, member["id"], "KLIK", channel="kiosk", location="[/x]", now=now)
    async with coordinator_session(size=SIZE, locale="en") as visitor:
        app = visitor.app
        await open_tab(visitor)
        assert row_of(visitor, "KLIK")[1:3] == ["[@click=app.quit]x", "[/x]"]
        assert row_of(visitor, "SLUT")[1] == "[/x]"
        await highlight(visitor, "KLIK")
        shown = visitor.screen_text()
        assert "[@click=app.quit]x" in shown and "[/x]" in shown

        await visitor.press("enter")
        await visitor.until(lambda: app.screen.id == "community-members")
        await visitor.settle()
        shown = visitor.screen_text()
        assert "Members of KLIK: [@click=app.quit]x" in shown and "[/x]" in shown
        await visitor.press("escape")

        await visitor.press("e")
        await visitor.until(lambda: app.screen.id == "community-form")
        await visitor.settle()
        assert "Edit KLIK: [@click=app.quit]x" in visitor.screen_text()
        assert visitor.one("#schedule-da").value == "[/x]"
        await visitor.press("escape")

        await visitor.press("b")
        await visitor.until(lambda: app.screen.id == "broadcast")
        await visitor.settle()
        assert "SMS to the members of KLIK: [@click=app.quit]x" in visitor.screen_text()
        await visitor.press("escape")

        await visitor.press("p")  # the notification names it, shown without markup
        await visitor.settle()
        assert notified(app, "[@click=app.quit]x is paused: it takes no new members.")

        await visitor.press("x")
        await visitor.until(lambda: app.screen.id == "confirm")
        assert "Archive KLIK: [@click=app.quit]x?" in visitor.text("#confirm-question")
        await visitor.press("escape")

        await highlight(visitor, "SLUT")
        for key in ("e", "escape", "b", "escape", "enter", "escape", "p"):
            await visitor.press(key)
            await visitor.settle()
        assert notified(app, "[/x] is paused: it takes no new members.")
        assert app.is_running and app.screen.id == "coordinator"


async def test_the_new_community_form_fits_80x24_with_the_towns_to_choose(coordinator_session,
                                                                         demo_db):
    from textual.widgets import Input, Select

    from kiosk.screens.forms import town_options

    async with coordinator_session(size=(80, 24), locale="da") as visitor:
        app = visitor.app
        await open_tab(visitor)
        await visitor.press("n")
        await visitor.until(lambda: app.screen.id == "community-form")
        await visitor.settle()
        screen = app.screen.region
        box = visitor.one("#community-box")
        fields = visitor.one("#community-fields")
        # The fields scroll a little under Save and Cancel, which never leave the screen:
        # each field in turn is shown whole, above the buttons.
        for selector in ("#code", "#town", "#place", "#meeting", "#text-languages", "#name-da",
                         "#schedule-da", "#description-da", "#code"):
            widget = visitor.one(selector)
            widget.focus()
            # Focus scrolls the field into view, with a short animation.
            await visitor.until(lambda: fields.region.contains_region(widget.region))
            for button in ("#save", "#cancel"):
                assert screen.contains_region(visitor.one(button).region), f"{button} went"
        assert box.max_scroll_y == 0 and fields.max_scroll_y > 0
        # What is read from the meeting stands under it, wrapped, not cut.
        assert visitor.text("#meeting-read") == app._(
            "No meeting is set. Members get an SMS the day before a meeting.")
        assert fields.region.contains_region(visitor.one("#meeting-read").region)
        # A field looks like one: its own background and a frame, not the dialog's.
        place = visitor.one("#place")
        assert place.styles.background != box.styles.background
        assert place.styles.border_left[0] != ""
        # The town is chosen from the towns the rest of the kiosk offers, or written anew.
        town = visitor.one("#town")
        assert isinstance(town, Select) and not isinstance(town, Input)
        towns = [value for _label, value in town._options if isinstance(value, str)]
        assert towns[:-1] == [value for _label, value in town_options(demo_db)]
        town.value = towns[-1]  # Another town…
        await visitor.settle()
        assert visitor.one("#new-town").display and app.focused is visitor.one("#new-town")
        await visitor.type("Hindsholm")
        await fill(visitor, code="HAVEFOLK", name_da="Havefolk")
        await save(visitor)
        await visitor.until(lambda: app.screen.id == "coordinator")
    assert get_community(demo_db, "HAVEFOLK")["town"] == "Hindsholm"


@pytest.fixture
def meeting_clock(monkeypatch, now):
    """Fix the form's clock: what a meeting is read against, and when the form is saved."""
    import kiosk.coordinator.community_form as form
    import kiosk.coordinator.meeting_field as field

    monkeypatch.setattr(form, "utcnow", lambda: now)
    monkeypatch.setattr(field, "utcnow", lambda: now)


async def edit(visitor, code: str) -> None:
    await open_tab(visitor)
    await highlight(visitor, code)
    await visitor.press("e")
    await visitor.until(lambda: visitor.app.screen.id == "community-form")
    await visitor.settle()


async def test_the_next_meeting_is_written_as_people_write_it_and_read_back(
        coordinator_session, demo_db, meeting_clock):
    async with coordinator_session(size=SIZE, locale="en") as visitor:
        app = visitor.app
        await edit(visitor, "STRIK")
        assert visitor.text("#meeting-read") == (
            "No meeting is set. Members get an SMS the day before a meeting.")
        assert not visitor.one("#call-off-box").display  # nothing to call off
        visitor.one("#meeting").focus()
        await visitor.type("snart en dag")
        refusal = "Cannot read a coming day and time: write e.g. 12/12 14:00 Library."
        assert visitor.text("#meeting-read") == refusal
        assert visitor.one("#meeting-read").has_class("-unreadable")
        await save(visitor)
        # Refused by the service, and nothing saved: the form stays open and says why.
        assert app.screen.id == "community-form" and visitor.text("#problem") == refusal
        assert rows(demo_db, "SELECT * FROM meetings") == []

        # Friday 27 November: 12/12 is a Saturday this year.
        await fill(visitor, meeting="12/12 14:00 Munkebo Bibliotek")
        assert visitor.text("#meeting-read") == (
            "Understood as: Saturday 12 December at 14:00, Munkebo Bibliotek")
        assert not visitor.one("#meeting-read").has_class("-unreadable")
        await fill(visitor, meeting="i morgen kl 10")
        assert visitor.text("#meeting-read") == "Understood as: Saturday 28 November at 10:00"
        await fill(visitor, meeting="hver tirsdag kl 14 Biblioteket")
        assert visitor.text("#meeting-read") == (
            "Understood as: every Tuesday at 14:00, Biblioteket")
        await save(visitor)
        await visitor.until(lambda: app.screen.id == "coordinator")
        await visitor.settle()
        assert notified(app, "Saved STRIK.")

        await visitor.press("e")  # opened again, it says what the meeting is now
        await visitor.until(lambda: app.screen.id == "community-form")
        await visitor.settle()
        assert visitor.one("#meeting").value == ""
        assert visitor.text("#meeting-read") == "Next time: every Tuesday at 14:00, Biblioteket"
    [meeting] = rows(demo_db, "SELECT * FROM meetings")
    assert (meeting["weekly"], meeting["place"], meeting["set_by_coordinator_id"]) == (
        1, "Biblioteket", app.coordinator["id"])
    assert meeting["starts_at"] == "2026-12-01T13:00:00+00:00"
    entry = next(e for e in audit_log(demo_db) if e["action"] == "set_meeting")
    assert (entry["coordinator_id"], entry["record_kind"], entry["record_id"]) == (
        app.coordinator["id"], "meeting", meeting["id"])


async def test_the_meeting_is_called_off_with_a_button_and_save(coordinator_session, demo_db,
                                                                meeting_clock, now):
    from shared.services.coordinator import set_next_meeting

    anna = rows(demo_db, "SELECT id FROM coordinators WHERE name = 'Anna'")[0]["id"]
    set_next_meeting(demo_db, "STRIK", "hver tirsdag kl 14 Biblioteket", language="da",
                     coordinator_id=anna, now=now)
    async with coordinator_session(size=(80, 24), locale="da") as visitor:
        app = visitor.app
        await edit(visitor, "STRIK")
        assert visitor.text("#meeting-read") == "Næste gang: hver tirsdag kl. 14.00, Biblioteket"
        await visitor.tap("#call-off")
        assert visitor.text("#meeting-read") == (
            "Når du gemmer, aflyses mødet hver tirsdag kl. 14.00, og der sendes ingen "
            "påmindelse.")
        assert visitor.one("#meeting").disabled
        assert str(visitor.one("#call-off").label) == "Behold mødet"
        await visitor.until(lambda: not visitor.one("#call-off").has_class("-active"))
        await visitor.tap("#call-off")  # changed their mind: nothing is called off
        assert not visitor.one("#meeting").disabled
        assert visitor.text("#meeting-read").startswith("Næste gang:")
        await visitor.until(lambda: not visitor.one("#call-off").has_class("-active"))
        await visitor.tap("#call-off")
        await save(visitor)
        await visitor.until(lambda: app.screen.id == "coordinator")
    [meeting] = rows(demo_db, "SELECT * FROM meetings")
    assert meeting["cancelled_at"] is not None
    assert [e["action"] for e in audit_log(demo_db)][:2] == [
        "call_off_meeting", "community_edit"]


async def test_a_missing_name_shows_that_languages_texts(coordinator_session, demo_db):
    async with coordinator_session(size=(80, 24), locale="da") as visitor:
        app = visitor.app
        await open_tab(visitor)
        await visitor.press("n")
        await visitor.until(lambda: app.screen.id == "community-form")
        await visitor.settle()
        await fill(visitor, code="HAVEFOLK", town="Munkebo", name_da="Havefolk",
                   schedule_de="Samstags")
        await save(visitor)
        assert visitor.text("#problem") == app._(
            "Write the name in {language} too, or leave that language empty.").format(
            language="tysk")
        assert visitor.one("#texts").current == "texts-de"
        assert app.focused is visitor.one("#name-de")


@needs_pdf
async def test_o_saves_the_communitys_poster_in_two_languages(coordinator_session, demo_db,
                                                              db_path):
    from shared.settings import Settings

    folder = db_path.parent / "exports"
    settings = Settings(db_path=str(db_path), sms_number="+4570203040")
    async with coordinator_session(size=(80, 24), locale="en", settings=settings) as visitor:
        await open_tab(visitor)
        await highlight(visitor, "STRIK")
        await visitor.press("o")
        await visitor.until(lambda: visitor.app.screen.id == "choice")
        labels = [str(button.label) for button in visitor.app.screen.query(".choice-button")]
        assert labels[0] == "Dansk" and "Dansk + Українська" in labels
        # Six choices and Cancel, one under the other, all on an 80x24 screen.
        assert all(visitor.app.screen.region.contains_region(button.region)
                   for button in visitor.app.screen.query("Button"))
        await visitor.tap(f"#choice-{labels.index('Dansk + Українська')}")
        await visitor.until(lambda: folder.is_dir() and any(folder.glob("*.pdf")), timeout=60)
        [poster] = folder.glob("*.pdf")
        assert poster.name == "poster-STRIK-da-uk.pdf"
        await visitor.until(lambda: notified(visitor.app, f"Poster saved: {poster}"))
    text = pdf_text(poster, layout=False)
    assert "DELTAG" in text and "ВСТУПИТИ" in text
    [entry] = rows(demo_db, "SELECT * FROM audit WHERE action = 'poster_save'")
    assert (entry["record_kind"], entry["record_id"]) == (
        "community", get_community(demo_db, "STRIK")["id"])


async def test_no_poster_without_the_number_to_text(coordinator_session, db_path):
    async with coordinator_session(size=(80, 24), locale="en") as visitor:
        await open_tab(visitor)
        await highlight(visitor, "STRIK")
        await visitor.press("o")
        await visitor.until(lambda: visitor.app.screen.id == "choice")
        await visitor.tap("#choice-0")
        await visitor.until(lambda: any(
            "FAELLES_SMS_NUMBER" in str(line.render())
            for line in visitor.app.screen.query(".pane-status.-shown")), timeout=30)
    assert not (db_path.parent / "exports").exists()

"""Stored text drawn one way everywhere: cut at its own end, Arabic in visual order."""

from __future__ import annotations

import pytest
from rich.text import Text

from kiosk.rtl import DisplayText, for_display
from kiosk.widgets.cells import cell, recut, shown
from shared.communities import create_community
from shared.contacts import touch_contact
from shared.feedback import record_feedback
from shared.unsorted import record_unsorted

# A citizen's Arabic: "Hello, I would like help". One line at any width the kiosk has.
ARABIC = "مرحبا، أريد المساعدة"
DRAWN = for_display(ARABIC)
PHONE = "20 11 07 77"


def test_arabic_is_drawn_in_visual_order_and_danish_as_stored():
    assert shown(ARABIC) == DRAWN != ARABIC
    assert shown("Hej [b]med[/b] dig\x1b]8;;x\x07") == "Hej [b]med[/b] dig"


def test_a_translation_already_drawn_is_not_turned_round_again():
    drawn = DisplayText("مرحبا {name}").format(name="Anna")
    assert shown(drawn) == str(drawn)


def test_a_cut_arabic_cell_keeps_its_beginning_on_the_right():
    text = "مرحبا، وصلت إلى كيرتيمينده مع عائلتي. أين يمكن لأطفالي أن يلعبوا كرة القدم؟"
    cut = shown(text, width=20)
    assert len(cut) == 20 and cut.startswith("…")
    # The first word, as drawn, stands at the right end, where Arabic begins.
    assert cut.endswith(for_display("مرحبا،"))


def test_a_narrower_column_cuts_the_stored_text_again():
    text = "مرحبا، وصلت إلى كيرتيمينده مع عائلتي."
    assert recut(cell(text), 12).plain == shown(text, width=12)
    assert recut(Text("Danish words here"), 8).plain == "Danish …"


@pytest.mark.asyncio
async def test_the_same_arabic_text_is_drawn_the_same_everywhere(coordinator_session, demo_db,
                                                                now):
    citizen = touch_contact(demo_db, PHONE, now=now, language="ar")
    record_unsorted(demo_db, contact_id=citizen["id"], message_id=None, text=ARABIC,
                    language="ar", now=now)
    record_feedback(demo_db, kind="ide", text=ARABIC, contact_id=citizen["id"], channel="sms",
                    now=now)
    create_community(demo_db, code="SALAM", town="Munkebo", now=now,
                     texts={"da": {"name": "Salam"}, "ar": {"name": ARABIC}})
    async with coordinator_session(size=(100, 30), locale="da") as visitor:
        app = visitor.app
        drawn_in = {}

        visitor.one("#tabs").active = "tab-inbox"
        pane = visitor.one("#inbox-pane")
        await visitor.until(lambda: any(item["text"] == ARABIC for item in pane.items))
        index = [item["text"] for item in pane.items].index(ARABIC)
        visitor.one("#inbox-table").focus()
        visitor.one("#inbox-table").move_cursor(row=index)
        await visitor.settle()
        drawn_in["inbox table"] = visitor.one("#inbox-table").get_row_at(index)[3].plain
        drawn_in["inbox detail"] = visitor.text("#inbox-detail").split("\n")[-1]
        assert DRAWN in visitor.screen_text()

        await visitor.press("r")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        drawn_in["reply dialog"] = visitor.text("#message-original")
        assert DRAWN in visitor.screen_text()
        await visitor.press("escape")
        await visitor.until(lambda: app.screen.id == "coordinator")

        visitor.one("#tabs").active = "tab-people"
        await visitor.until(lambda: app.screen.focused is visitor.one("#people-phone"))
        await visitor.type(PHONE)
        await visitor.press("enter")
        await visitor.until(lambda: DRAWN in visitor.text("#people-record"))
        assert ARABIC not in visitor.text("#people-record")
        drawn_in["people record"] = next(line.strip() for line in
                                         visitor.text("#people-record").split("\n")
                                         if DRAWN in line)

        visitor.one("#tabs").active = "tab-communities"
        await visitor.settle()
        table = visitor.one("#communities")
        table.focus()
        table.move_cursor(row=table.get_row_index("SALAM"))
        await visitor.press("e")
        await visitor.until(lambda: app.screen.id == "community-form")
        await visitor.settle()
        visitor.one("#text-languages").active = "language-ar"
        await visitor.settle()
        name = visitor.one("#name-ar")
        assert name.value == ARABIC  # stored and edited as typed
        drawn_in["community form"] = name._value.plain
        assert DRAWN in visitor.screen_text()

    assert drawn_in == dict.fromkeys(drawn_in, DRAWN), drawn_in

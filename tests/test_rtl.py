"""Arabic in a terminal: joined letters, right-to-left order, numbers and names kept whole."""

from __future__ import annotations

import pytest

from kiosk.rtl import LINE_WIDTH, DisplayText, for_display, is_rtl

HELLO = "أهلا بك في {name}!"
SMS = "يمكنك أيضا أن ترسل لنا رسالة SMS على {number}. أرسل HELP لتعرف كيف."


def latin(text: str) -> str:
    """Return text with no-break spaces as spaces and other non-ASCII as 'A', to compare orders."""
    return "".join(char if char.isascii() else "A" for char in text.replace("\u00a0", " "))


def test_only_arabic_is_right_to_left():
    assert is_rtl("ar") and not any(map(is_rtl, ("da", "en", "de", "pl", "uk")))


def test_letters_are_joined_and_the_line_reversed():
    shown = for_display("مرحبا")
    # Presentation forms (U+FE70-FEFF) are what a terminal can draw joined.
    assert all("\ufe70" <= char <= "\ufeff" for char in shown)
    assert len(shown) == len("مرحبا")
    # The last letter, alef, is drawn first (leftmost).
    assert shown[0] in "\ufe8d\ufe8e"


def test_a_phone_number_stays_one_left_to_right_run():
    shown = DisplayText(SMS).format(number="+45 70 20 30 40")
    assert "+45 70 20 30 40" in shown.replace("\u00a0", " ")
    assert not any(char in shown for char in "\u2066\u2067\u2068\u2069\u200e\u200f")


def test_brackets_are_mirrored_but_not_inside_a_name():
    assert latin(for_display("ثناء (ros)")) == "(ros) AAAA"
    # «مساعدة» points outward when drawn, as in any Arabic text.
    shown = for_display("أرسل «مساعدة»")
    assert shown.index("«") < shown.index("»")
    shown = DisplayText(HELLO).format(name="Strik (Munkebo)")
    assert latin(shown).startswith("!Strik (Munkebo) ")


def test_lines_are_broken_before_reordering_and_never_too_long():
    text = " ".join(["كلمة"] * 60)
    lines = for_display(text).split("\n")
    assert len(lines) > 1 and all(len(line) <= LINE_WIDTH for line in lines)


def test_format_fills_in_before_reordering():
    shown = DisplayText(HELLO).format(name="Fælles")
    # The name comes last in reading order, so first from the left; "!" ends the line.
    assert latin(shown).startswith("!FAlles AA AA A")


@pytest.mark.asyncio
async def test_the_kiosk_in_arabic_draws_visual_order_right_aligned(kiosk):
    async with kiosk(size=(80, 24), locale="ar") as k:
        await k.pilot.pause()
        assert k.app.has_class("-rtl")
        title = k.app.screen.query_one(".title")
        assert title.styles.text_align == "right"
        shown = str(title.render())
        assert any("\ufe70" <= char <= "\ufeff" for char in shown)
        await k.tap("#lang-da")
        assert not k.app.has_class("-rtl")


def test_a_citizens_arabic_text_is_drawn_readable_and_danish_is_left_alone():
    from kiosk.rtl import readable

    assert readable("Hej med dig") == "Hej med dig"
    shown = readable("مرحبا، أريد المساعدة")
    assert shown != "مرحبا، أريد المساعدة" and any("\ufe70" <= c <= "\ufeff" for c in shown)


def test_a_translation_filled_into_another_is_turned_round_once():
    not_given = DisplayText("غير مذكور")
    assert DisplayText("البلدة: {town}").format(town=not_given) == for_display(
        "البلدة: غير مذكور")


@pytest.mark.asyncio
async def test_the_offer_review_draws_an_arabic_description_in_reading_order(kiosk):
    from shared.i18n import translator

    description = "أستطيع القراءة بصوت عال لكبار السن"
    async with kiosk(size=(80, 24), locale="ar") as k:
        await k.press("1")
        await k.tap("#category-time")
        k.one("#description").insert(description)
        await k.pilot.pause()
        k.app.screen.show_review()
        await k.pilot.pause()
        first, town, _phone = k.text("#review").split("\n")
        label = translator("ar").gettext("My time")
        assert first == for_display(f"{label}: {description}")
        assert town == for_display(translator("ar").gettext("Town: {town}").format(
            town=translator("ar").gettext("not given")))

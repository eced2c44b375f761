"""A citizen's text is stored and shown literally: no markup actions, no escape sequences."""

from __future__ import annotations

import pytest

from shared.communities import create_community
from shared.db import row
from shared.services.kiosk import submit_feedback

pytestmark = pytest.mark.asyncio

# Textual would run [@click=...] as an action and crash on the stray [/x].
HOSTILE = "[@click=app.quit]x [/x] [bold]fed[/bold]"
# A red-colour CSI sequence: it cannot be typed (ESC is the Back key), so it is inserted.
ESCAPED = " \x1b[31mrød"
STORED = HOSTILE + " rød"


def still_running(app) -> None:
    assert app.is_running
    assert app.return_code is None


async def test_feedback_text_is_stored_literally_without_escape_sequences(kiosk, demo_db):
    async with kiosk() as k:
        await k.press("3")
        await k.tap("#kind-ris")
        await k.tap("#rating-skip")
        await k.type(HOSTILE)
        k.one("#text").insert(ESCAPED)
        await k.tap("#text-done")
        await k.tap("#send")
        await k.until(lambda: k.one("ContentSwitcher").current == "step-thanks")
        still_running(k.app)
    saved = row(demo_db, "SELECT text FROM feedback ORDER BY id DESC LIMIT 1")
    assert saved["text"] == STORED


async def test_offer_text_is_shown_literally_on_review_and_stored_literally(kiosk, demo_db):
    async with kiosk() as k:
        await k.press("1")
        await k.tap("#category-knowhow")
        await k.type(HOSTILE)
        k.one("#description").insert(ESCAPED)
        await k.tap("#describe-done")
        await k.tap("#details-done")
        review = k.text("#review")
        assert STORED in review
        assert "\x1b" not in review
        drawn = k.screen_text()
        for piece in ("[@click=app.quit]x", "[/x]", "[bold]fed[/bold]", "rød"):
            assert piece in drawn
        await k.tap("#review")  # where a parsed [@click] would quit
        still_running(k.app)
        await k.tap("#send")
        await k.until(lambda: k.one("ContentSwitcher").current == "step-receipt")
    saved = row(demo_db, "SELECT description FROM offers ORDER BY id DESC LIMIT 1")
    assert saved["description"] == STORED


async def test_need_text_is_shown_literally_on_review_and_stored_literally(kiosk, demo_db):
    from test_kiosk_need import ask_for_code, prove

    async with kiosk() as k:
        await k.press("4")
        await k.type(HOSTILE)
        k.one("#description").insert(ESCAPED)
        await k.tap("#describe-done")
        await k.tap("#kind-skip")
        k.one("#when").focus()
        await k.type("[/x] [b]i morgen")
        await ask_for_code(k)
        await prove(k, demo_db)
        review = k.text("#review")
        assert STORED in review and "[/x] [b]i morgen" in review
        assert "\x1b" not in review
        await k.tap("#review")  # where a parsed [@click] would quit
        still_running(k.app)
        await k.tap("#send")
        await k.until(lambda: k.one("ContentSwitcher").current == "step-receipt")
    saved = row(demo_db, "SELECT description, needed_when FROM needs ORDER BY id DESC LIMIT 1")
    assert saved == {"description": STORED, "needed_when": "[/x] [b]i morgen"}


async def test_control_and_bidi_characters_never_reach_the_store(demo_db, now):
    text = "\x1b]8;;https://evil.example\x07klik\x1b]8;;\x07 \u202eabc\x00 \x1b[2Jslut"
    feedback_id = submit_feedback(demo_db, kind="ide", text=text, rating=None, town=None,
                                  phone=None, language="da", location="Munkebo Bibliotek",
                                  now=now)
    stored = row(demo_db, "SELECT text FROM feedback WHERE id = ?", (feedback_id,))["text"]
    assert stored == "klik abc slut"


async def test_a_community_with_markup_in_its_texts_shows_literally(kiosk, demo_db, now):
    create_community(demo_db, code="MARKUP", town="Munkebo", place="Sal [/x] 2", now=now,
                     texts={"da": {"name": "Klub [/x] [@click=app.quit]",
                                   "description": "[bold]Fed[/bold] klub [/x]",
                                   "schedule": "[@click=app.quit]Hver dag"}})
    async with kiosk() as k:
        await k.press("2")
        await k.type("klub")
        options = k.one("#list")
        prompts = [str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)]
        assert "Klub [/x] [@click=app.quit]  ·  Munkebo" in prompts
        assert "Klub [/x] [@click=app.quit]" in k.screen_text()
        options.focus()
        options.highlighted = prompts.index("Klub [/x] [@click=app.quit]  ·  Munkebo")
        await k.press("enter")
        assert k.app.screen.id == "community"
        drawn = k.screen_text()
        for piece in ("Klub [/x] [@click=app.quit]", "[bold]Fed[/bold] klub [/x]",
                      "Sal [/x] 2, Munkebo", "[@click=app.quit]Hver dag"):
            assert piece in drawn
        await k.tap(".title")
        await k.tap(".paragraph")
        still_running(k.app)
        assert k.app.screen.id == "community"

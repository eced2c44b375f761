"""The citizen kiosk end to end: each flow driven by keys and taps, its effect in the store."""

from __future__ import annotations

import re

import pytest
from textual.widgets import OptionList

from shared.db import row, rows
from shared.i18n import available_locales

pytestmark = pytest.mark.asyncio

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
LOCATION = "Munkebo Bibliotek"


async def loaded(k) -> None:
    """Let the screen's worker threads read the store and fill what they read."""
    await k.pilot.pause()
    await k.app.workers.wait_for_complete()
    await k.pilot.pause()


async def choose(k, selector: str, label: str) -> None:
    """Open a Select with the keyboard and pick the option shown as label."""
    await loaded(k)  # the towns come from a worker thread
    select = k.one(selector)
    select.focus()
    await k.press("enter")
    overlay = select.query_one("SelectOverlay")
    await k.type(label)  # the open list jumps to what is typed
    assert str(overlay.get_option_at_index(overlay.highlighted).prompt) == label
    await k.press("enter")
    assert select.value == label


def step(k) -> str:
    return k.one("ContentSwitcher").current


def count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.parametrize("size, phone", [
    pytest.param((80, 24), None, id="anonymous-80x24"),
    pytest.param((120, 40), None, id="anonymous-120x40"),
    pytest.param((80, 24), "20 12 34 56", id="with-phone-80x24"),
])
async def test_feedback_is_stored_with_kind_rating_text_town_and_number(kiosk, demo_db, size,
                                                                        phone):
    before = count(demo_db, "feedback")
    async with kiosk(size) as k:
        await k.press("3")
        assert k.app.screen.id == "feedback"
        await k.tap("#kind-ris")
        await k.tap("#rating-2")
        assert k.app.focused is k.one("#text")
        await k.type("Flere bænke")
        await k.tap("#text-done")
        await choose(k, "#town", "Munkebo")
        if phone:
            k.one("#phone").focus()
            await k.type(phone)
        await k.tap("#send")
        await k.until(lambda: step(k) == "step-thanks")
        thanks = k.text("#thanks")
        assert "Tak!" in thanks
        assert ("sms" in thanks) == bool(phone)

    assert count(demo_db, "feedback") == before + 1
    saved = row(demo_db, "SELECT f.*, c.phone FROM feedback f"
                         " LEFT JOIN contacts c ON c.id = f.contact_id ORDER BY f.id DESC LIMIT 1")
    assert saved["channel"] == "kiosk"
    assert saved["location"] == LOCATION
    assert (saved["kind"], saved["rating"]) == ("ris", 2)
    assert saved["text"] == "Flere bænke"
    assert saved["town"] == "Munkebo"
    if phone:
        assert saved["phone"] == "+4520123456"
    else:
        assert saved["contact_id"] is None


async def test_feedback_needs_text_before_going_on(kiosk):
    async with kiosk() as k:
        await k.press("3")
        await k.tap("#kind-ide")
        await k.tap("#rating-skip")
        await k.tap("#text-done")
        assert step(k) == "step-text"
        assert "et par ord" in k.text("#problem")


@pytest.mark.parametrize("key, rating", [("5", 5), ("1", 1), ("enter", None)])
async def test_the_faces_numbers_rate_and_enter_on_arrival_skips(kiosk, demo_db, key, rating):
    async with kiosk() as k:
        await k.press("3")
        await k.tap("#kind-ros")
        # The focus waits on Skip: a stray Enter gives no rating, never the worst.
        assert k.app.focused is k.one("#rating-skip")
        await k.press(key)
        assert step(k) == "step-text" and k.app.focused is k.one("#text")
        await k.type("Tak for bænkene 5")  # a digit in the text is a digit, not a rating
        await k.tap("#text-done")
        await k.tap("#send")
        await k.until(lambda: step(k) == "step-thanks")
    saved = row(demo_db, "SELECT * FROM feedback ORDER BY id DESC LIMIT 1")
    assert (saved["rating"], saved["text"]) == (rating, "Tak for bænkene 5")


@pytest.mark.parametrize("size", SIZES)
async def test_offer_receipt_number_is_the_stored_offer(kiosk, demo_db, size):
    async with kiosk(size) as k:
        await k.press("1")
        assert k.app.screen.id == "offer"
        await k.tap("#category-transport")
        assert k.app.focused is k.one("#description")
        await k.type("Kører til lægen")
        await k.tap("#describe-done")
        await choose(k, "#town", "Munkebo")
        k.one("#phone").focus()
        await k.type("20 12 34 56")
        await k.tap("#details-done")
        assert step(k) == "step-review"
        review = k.text("#review")
        assert "Kører til lægen" in review
        assert "Munkebo" in review and "+45 20 12 34 56" in review
        await k.tap("#send")
        await k.until(lambda: step(k) == "step-receipt")
        number = int(re.search(r"nummer (\d+)", k.text("#receipt")).group(1))

    offer = row(demo_db, "SELECT o.*, c.phone FROM offers o"
                         " LEFT JOIN contacts c ON c.id = o.contact_id WHERE o.id = ?", (number,))
    assert offer == offer | {
        "channel": "kiosk", "location": LOCATION, "category": "transport",
        "description": "Kører til lægen", "town": "Munkebo",
        "phone": "+4520123456", "status": "pending"}
    assert number == demo_db.execute("SELECT max(id) FROM offers").fetchone()[0]


async def test_offer_review_can_go_back_to_change_the_text(kiosk, demo_db):
    async with kiosk() as k:
        await k.press("1")
        await k.tap("#category-things")
        await k.type("Boremaskine")
        await k.tap("#describe-done")
        await k.tap("#details-done")
        await k.tap("#change")
        assert step(k) == "step-describe"
        await k.type(" og stige")
        await k.tap("#describe-done")
        await k.tap("#details-done")
        assert "Boremaskine og stige" in k.text("#review")
        assert "ikke angivet" in k.text("#review")  # no town, no phone


async def test_offer_review_shows_category_text_town_and_phone_on_their_own_lines(kiosk):
    async with kiosk() as k:
        await k.press("1")
        await k.tap("#category-things")
        await k.type("Boremaskine")
        await k.tap("#describe-done")
        await k.tap("#details-done")
        assert k.text("#review").splitlines() == [
            "Ting at låne ud: Boremaskine", "By: ikke angivet", "Telefon: ikke angivet"]


async def open_strikkecafe(k) -> None:
    await k.press("2")
    await loaded(k)
    await k.type("strik")
    await k.press("enter", "down", "enter")  # to the list, to its first line, open it
    assert k.app.screen.id == "community"


@pytest.mark.parametrize("size", SIZES)
async def test_community_search_narrows_and_town_filters(kiosk, demo_db, size):
    active = rows(demo_db, "SELECT code, town FROM communities WHERE status = 'active'")
    in_kerteminde = [c for c in active if c["town"] == "Kerteminde"]
    async with kiosk(size) as k:
        await k.press("2")
        options = k.one("#list")
        assert isinstance(options, OptionList)
        await k.until(lambda: options.option_count == len(active))
        await k.type("strik")
        assert options.option_count == 1
        assert "Strikkecafé" in str(options.get_option_at_index(0).prompt)
        assert k.text("#count") == "1 fællesskab"
        await k.press(*["backspace"] * 5)
        assert options.option_count == len(active)
        await choose(k, "#town", "Kerteminde")
        assert options.option_count == len(in_kerteminde)
        assert k.text("#count") == f"{len(in_kerteminde)} fællesskaber"
        k.one("#search").focus()
        await k.type("gå")  # "Gåtur", folded like SMS keywords
        assert options.option_count == 1


async def test_a_search_with_no_hits_says_what_to_try(kiosk):
    async with kiosk() as k:
        await k.press("2")
        await loaded(k)
        await k.type("zzzq")
        assert k.one("#list").option_count == 0
        assert k.text("#count") == "Intet fællesskab passer. Prøv et andet ord eller en anden by."


async def test_enter_twice_opens_the_only_community_found(kiosk):
    async with kiosk() as k:
        await k.press("2")
        await loaded(k)
        await k.type("strik")
        await k.press("enter", "enter")
        assert k.app.screen.id == "community"


def queued(db, phone: str, kind: str) -> list[dict]:
    return rows(db, "SELECT * FROM messages WHERE phone = ? AND kind = ? AND direction = 'out'"
                    " AND status = 'queued' ORDER BY id", (phone, kind))


def sent_code(db, phone: str) -> str:
    return re.search(r"\b(\d{6})\b", queued(db, phone, "code")[-1]["body"]).group(1)


async def ask_for_code(k, phone: str = "20 12 34 56") -> None:
    await k.tap("#join")
    assert k.app.screen.id == "join"
    assert k.app.focused is k.one("#phone")
    await k.type(phone)
    await k.tap("#send-code")


@pytest.mark.parametrize("size", SIZES)
async def test_join_proves_the_number_and_stores_the_membership(kiosk, demo_db, size):
    members_before = row(demo_db, "SELECT count(*) AS n FROM memberships m JOIN communities c"
                                  " ON c.id = m.community_id WHERE c.code = 'STRIK'"
                                  " AND m.left_at IS NULL")["n"]
    async with kiosk(size) as k:
        await open_strikkecafe(k)
        await loaded(k)
        detail = k.screen_text()
        for shown in ("Strikkecafé", "Kerteminde Bibliotek, Strandvejen 5", "Tirsdage kl. 14-16",
                      f"{members_before} medlemmer"):
            assert shown in detail
        await ask_for_code(k)
        await k.until(lambda: step(k) == "step-code")
        [code_sms] = queued(demo_db, "+4520123456", "code")
        assert "Din kode til Fælles er" in code_sms["body"]
        assert k.app.focused is k.one("#code")
        await k.type(sent_code(demo_db, "+4520123456"))
        await k.tap("#check-code")
        await k.until(lambda: step(k) == "step-done")
        assert k.text("#welcome") == "Velkommen til Strikkecafé! Vi har sendt dig en sms om det."

    membership = row(demo_db, "SELECT m.* FROM memberships m JOIN contacts p ON p.id = m.contact_id"
                              " JOIN communities c ON c.id = m.community_id"
                              " WHERE p.phone = '+4520123456' AND c.code = 'STRIK'")
    assert (membership["channel"], membership["location"]) == ("kiosk", LOCATION)
    assert membership["left_at"] is None
    [notice] = queued(demo_db, "+4520123456", "notice")
    assert notice["body"].startswith("Velkommen til Strikkecafé!")
    assert "FORLAD STRIK" in notice["body"]


ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


async def test_the_number_and_the_code_may_be_typed_with_arabic_digits(kiosk, demo_db):
    # An Arabic keyboard types ٢٠ for 20: the fields take it as the same digits.
    async with kiosk() as k:
        await open_strikkecafe(k)
        await ask_for_code(k, "٢٠ ١٢ ٣٤ ٥٦")
        await k.until(lambda: step(k) == "step-code")
        code = sent_code(demo_db, "+4520123456")
        await k.type(code.translate(ARABIC_DIGITS))
        assert k.one("#code").value == code
        await k.tap("#check-code")
        await k.until(lambda: step(k) == "step-done")
    assert row(demo_db, "SELECT 1 FROM memberships m JOIN contacts p ON p.id = m.contact_id"
                        " JOIN communities c ON c.id = m.community_id"
                        " WHERE p.phone = '+4520123456' AND c.code = 'STRIK'")


@pytest.mark.parametrize(("key", "screen"), [("١", "offer"), ("۲", "communities"),
                                             ("٣", "feedback"), ("4", "need"), ("٤", "need"),
                                             ("۴", "need")])
async def test_home_takes_the_choices_number_from_an_arabic_keyboard(kiosk, key, screen):
    async with kiosk() as k:
        await k.press(key)
        assert k.app.screen.id == screen


async def test_wrong_codes_count_down_then_the_code_expires(kiosk, demo_db):
    async with kiosk() as k:
        await open_strikkecafe(k)
        await ask_for_code(k)
        await k.until(lambda: step(k) == "step-code")
        right = sent_code(demo_db, "+4520123456")
        wrong = "000000" if right != "000000" else "111111"
        expected = ["Det er ikke koden. Du kan prøve 4 gange mere.",
                    "Det er ikke koden. Du kan prøve 3 gange mere.",
                    "Det er ikke koden. Du kan prøve 2 gange mere.",
                    "Det er ikke koden. Du kan prøve 1 gang mere.",
                    "Koden gælder ikke længere. Tryk på “Jeg fik ingen kode” for at få en ny."]
        for problem in expected:
            k.one("#code").value = ""
            k.one("#code").focus()
            await k.type(wrong)
            await k.press("enter")
            await k.until(lambda: k.text("#problem") == problem)
        # Even the right code is refused now.
        k.one("#code").value = ""
        k.one("#code").focus()
        await k.type(right)
        await k.press("enter")
        await k.app.workers.wait_for_complete()
        await k.pilot.pause()
        assert step(k) == "step-code"
        assert k.text("#problem").startswith("Koden gælder ikke længere")
    assert queued(demo_db, "+4520123456", "notice") == []


async def test_a_swedish_number_is_refused_and_nothing_is_sent(kiosk, demo_db):
    messages_before = count(demo_db, "messages")
    async with kiosk() as k:
        await open_strikkecafe(k)
        await ask_for_code(k, "+46 70 123 45 67")
        await k.app.workers.wait_for_complete()
        await k.pilot.pause()
        assert step(k) == "step-phone"
        assert k.text("#problem") == "Beklager, vi kan kun sende sms til danske numre (+45)."
    assert count(demo_db, "messages") == messages_before
    assert count(demo_db, "verifications") == 0


async def test_the_fourth_code_within_an_hour_is_refused_kindly(kiosk, demo_db):
    async with kiosk() as k:
        await open_strikkecafe(k)
        await ask_for_code(k)
        for _ in range(2):
            await k.until(lambda: step(k) == "step-code")
            await k.tap("#again")
            assert step(k) == "step-phone"
            await k.tap("#send-code")
        await k.until(lambda: step(k) == "step-code")
        await k.tap("#again")
        await k.tap("#send-code")
        await k.until(lambda: k.text("#problem").startswith("Vi har sendt for mange koder"))
        assert step(k) == "step-phone"
        assert k.app.is_running
    assert len(queued(demo_db, "+4520123456", "code")) == 3


async def test_english_button_switches_the_texts_and_danish_switches_back(kiosk):
    async with kiosk() as k:
        assert "Velkommen til Fælles" in k.screen_text()
        await k.tap("#lang-en")
        assert k.app.locale == "en"
        assert k.text(".title") == "Welcome to Fælles"
        assert str(k.one("#offer").label) == "1  Offer help or things"
        await k.press("3")
        assert k.text(".question") == "What would you like to tell us?"
        await k.press("escape")
        await k.tap("#lang-da")
        assert k.app.locale == "da"
        assert k.text(".title") == "Velkommen til Fælles"


async def test_about_screen_says_how_to_be_erased_and_goes_back(kiosk):
    async with kiosk() as k:
        await k.tap("#about")
        assert type(k.app.screen).__name__ == "AboutScreen"
        assert "SLET" in k.screen_text()
        await k.tap("#back")
        assert k.app.screen.id == "home"
        assert len(k.app.screen_stack) == 1


@pytest.mark.parametrize("phone, problem", [
    ("+46 70 123 45 67", "Beklager, vi kan kun sende sms til danske numre (+45)."),
    ("123", "Det ligner ikke et telefonnummer. Se lige efter en gang til."),
])
async def test_feedback_with_a_number_we_cannot_text_is_kept_back(kiosk, demo_db, phone,
                                                                   problem):
    before = count(demo_db, "feedback")
    async with kiosk() as k:
        await k.press("3")
        await k.tap("#kind-ros")
        await k.tap("#rating-5")
        await k.type("Tak")
        await k.tap("#text-done")
        k.one("#phone").focus()
        await k.type(phone)
        await k.tap("#send")
        assert k.text("#problem") == problem
        assert step(k) == "step-details"
    assert count(demo_db, "feedback") == before


async def test_join_needs_a_number(kiosk):
    async with kiosk() as k:
        await open_strikkecafe(k)
        await k.tap("#join")
        await k.tap("#send-code")
        assert k.text("#problem") == "Skriv dit telefonnummer."


async def test_an_opted_out_number_gets_no_code(kiosk, demo_db, now):
    from shared.contacts import opt_out, touch_contact

    opt_out(demo_db, touch_contact(demo_db, "+4520123456", now=now)["id"], now=now)
    async with kiosk() as k:
        await open_strikkecafe(k)
        await ask_for_code(k)
        await k.until(lambda: k.text("#problem") != "")
        assert k.text("#problem") == ("Dette nummer har bedt os om ikke at sende sms. "
                                      "Send START til os først.")
    assert queued(demo_db, "+4520123456", "code") == []


async def test_joining_again_says_already_a_member_and_texts_nothing(kiosk, demo_db, now):
    from shared.communities import join_community
    from shared.contacts import touch_contact

    contact = touch_contact(demo_db, "+4520123456", now=now)
    join_community(demo_db, contact["id"], "STRIK", channel="sms", now=now)
    async with kiosk() as k:
        await open_strikkecafe(k)
        await ask_for_code(k)
        await k.until(lambda: step(k) == "step-code")
        await k.type(sent_code(demo_db, "+4520123456"))
        await k.press("enter")
        await k.until(lambda: step(k) == "step-done")
        assert k.text("#welcome") == "Du er allerede med i Strikkecafé."
    assert queued(demo_db, "+4520123456", "notice") == []


async def test_feedback_accepts_every_country_the_kiosk_is_set_up_for(kiosk, demo_db, db_path):
    from shared.settings import Settings

    settings = Settings(db_path=str(db_path), allowed_country_codes=("45", "46"))
    async with kiosk(settings=settings) as k:
        await k.press("3")
        await k.tap("#kind-ros")
        await k.tap("#rating-5")
        await k.type("Tack")
        await k.tap("#text-done")
        k.one("#phone").focus()
        await k.type("+46 70 123 45 67")
        await k.tap("#send")
        await k.app.workers.wait_for_complete()
        await k.pilot.pause()
        assert step(k) == "step-thanks"
    saved = row(demo_db, "SELECT c.phone FROM feedback f JOIN contacts c ON c.id = f.contact_id"
                         " ORDER BY f.id DESC LIMIT 1")
    assert saved["phone"] == "+46701234567"


SMS_NUMBER = "+4570203040"  # shown to citizens as +45 70 20 30 40


def with_number(db_path, number: str | None = SMS_NUMBER):
    from shared.settings import Settings

    return Settings(db_path=str(db_path), sms_number=number)


@pytest.mark.parametrize("size", SIZES)
async def test_home_shows_where_the_kiosk_stands_and_the_number_to_text(kiosk, db_path, size):
    async with kiosk(size, settings=with_number(db_path)) as k:
        drawn = k.screen_text()
        assert LOCATION in drawn
        # The sentence may wrap beside the About button; the number never breaks.
        assert "+45 70 20 30 40" in drawn
        assert str(k.one("#sms-number").render()) == (
            "Du kan også sende en sms til +45 70 20 30 40. Send HJÆLP for at se hvordan.")
        for selector in ("#offer", "#communities", "#feedback", "#need", "#about",
                         "#sms-number"):  # none pushed off screen
            assert k.app.screen.region.contains_region(k.one(selector).region), selector


@pytest.mark.parametrize("locale", available_locales())
async def test_home_fits_80x24_in_every_language_with_the_number_to_text(kiosk, db_path,
                                                                         locale):
    async with kiosk((80, 24), locale=locale, settings=with_number(db_path)) as k:
        assert k.one("#home-body").max_scroll_y == 0  # nothing waits below the last row
        for selector in ("#offer", "#communities", "#feedback", "#need", "#languages",
                         "#about", "#sms-number"):
            assert k.app.screen.region.contains_region(k.one(selector).region), selector


async def test_about_tells_the_number_to_text_slet_to_and_that_we_note_the_place(kiosk,
                                                                               db_path):
    async with kiosk(settings=with_number(db_path)) as k:
        await k.tap("#about")
        paragraphs = [str(p.render()) for p in k.app.screen.query(".paragraph")]
        assert any("send SLET til +45 70 20 30 40" in paragraph for paragraph in paragraphs)
        assert any(LOCATION in paragraph for paragraph in paragraphs)


async def test_without_a_number_or_a_place_home_and_about_leave_them_out(kiosk, db_path):
    async with kiosk(location=None, settings=with_number(db_path, None)) as k:
        assert not k.app.screen.query("#sms-number, #location")
        assert "None" not in k.screen_text()
        await k.tap("#about")
        drawn = k.screen_text()
        assert "SLET til det nummer, du skrev til" in drawn
        assert "None" not in drawn


async def open_town_dropdown(k, where: str):
    if where == "offer":
        await k.press("1")
        await k.tap("#category-time")
        await k.type("Læser højt")
        await k.tap("#describe-done")
    elif where == "need":
        await k.press("4")
        await k.type("Kørsel til lægen")
        await k.tap("#describe-done")
        await k.tap("#kind-skip")
    elif where == "feedback":
        await k.press("3")
        await k.tap("#kind-ros")
        await k.tap("#rating-skip")
        await k.type("Fint")
        await k.tap("#text-done")
    else:
        await k.press("2")
    await loaded(k)
    select = k.one("#town")
    select.focus()
    await k.press("enter")
    return select.query_one("SelectOverlay")


@pytest.mark.parametrize("where", ["offer", "feedback", "communities", "need"])
@pytest.mark.parametrize("size", SIZES)
async def test_every_town_dropdown_opens_with_its_towns_in_view(kiosk, demo_db, where, size):
    towns = {r["town"] for r in rows(demo_db, "SELECT town FROM communities"
                                              " WHERE status IN ('active', 'paused')")}
    async with kiosk(size) as k:
        overlay = await open_town_dropdown(k, where)
        await k.pilot.pause()
        assert overlay.display
        # The prompt line and every town, drawn: a dropdown of no rows looks empty.
        assert overlay.region.height >= min(len(towns) + 1, 10)
        assert k.app.screen.region.contains_region(overlay.region)
        drawn = k.screen_text()
        assert all(town in drawn for town in sorted(towns)[:overlay.region.height - 3])


@pytest.mark.parametrize("size", SIZES)
async def test_the_town_filter_is_beside_the_search_and_the_list_right_under(kiosk, size):
    async with kiosk(size) as k:
        await k.press("2")
        await loaded(k)
        search, town, options = k.one("#search"), k.one("#town"), k.one("#list")
        screen = k.app.screen.region
        assert screen.contains_region(town.region)
        assert town.region.width >= len("Vælg en by") + 6
        assert "Vælg en by" in k.screen_text() and "(kan springes over)" not in k.screen_text()
        assert town.region.y == search.region.y  # side by side
        gap = options.region.y - search.region.bottom
        assert gap <= 2, f"{gap} empty lines between the search box and the list"

"""What a visitor and a coordinator really see: `faelles kiosk` in a terminal, read back.

Each test starts the kiosk in its own tmux pane at a common terminal size and
reads the pane. A screen passes when nothing is cut at the right edge, every
box is closed, the texts it must say appear whole, every dropdown shows its
choices, and no log line is drawn over it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from kiosk.coordinator.screen import TABS
from shared.clock import utcnow
from shared.i18n import translator
from terminal import Terminal, contrast, tmux_missing

pytestmark = pytest.mark.skipif(tmux_missing(),
                                reason="tmux is not installed (apt-get install -y tmux)")

ROOT = Path(__file__).resolve().parent.parent
FAELLES = str(ROOT / ".venv" / "bin" / "faelles")
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((100, 30), id="100x30")]
LOCATION = "Munkebo Bibliotek"
SMS_NUMBER = "+45 70 20 30 40"
COORDINATORS = ("Anna", "Bent")
PIN = "123456"
DEMO_TOWNS = ("Birkende", "Dalby", "Kerteminde", "Langeskov", "Marslev", "Martofte",
              "Munkebo")


def da(message: str) -> str:
    """Return the Danish the kiosk shows for an English msgid."""
    return translator("da").gettext(message)


# --- the store and the kiosk --------------------------------------------------------------

@pytest.fixture(scope="module")
def store(tmp_path_factory) -> dict[str, str]:
    """Create a demo store with coordinators Anna and Bent; return the kiosk's environment."""
    folder = tmp_path_factory.mktemp("store")
    env = {"FAELLES_DB": str(folder / "faelles.db"), "FAELLES_SMS_NUMBER": SMS_NUMBER,
           "FAELLES_SMS_TRANSPORT": "console", "TERM": "xterm-256color"}
    run = dict(cwd=ROOT, capture_output=True, text=True, check=True,
               env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **env})
    subprocess.run([FAELLES, "init", "--demo"], **run)
    for name in COORDINATORS:
        subprocess.run([FAELLES, "coordinator", "add", name], input=f"{PIN}\n{PIN}\n", **run)
    return env


@pytest.fixture
def kiosk(store):
    """Return start(size, *args): `faelles kiosk *args` running in a pane of that size."""
    terminals: list[Terminal] = []

    def start(size: tuple[int, int], *args: str) -> Terminal:
        terminal = Terminal()
        terminals.append(terminal)
        terminal.start([FAELLES, "kiosk", *args], size, env=store, cwd=ROOT)
        return terminal

    yield start
    for terminal in terminals:
        terminal.stop()


def citizen_kiosk(kiosk, size) -> Terminal:
    terminal = kiosk(size, "--location", LOCATION)
    terminal.wait_for(da("About your data"))
    return terminal


# --- what every screen must get right -------------------------------------------------------

# A logging line ("2026-12-02 07:15:36,193 faelles INFO ...") or a traceback. No kiosk
# text says INFO (it names HJÆLP/HELP for the help keyword), so INFO alone counts too.
LOG_LINE = re.compile(r"\b(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b|Traceback"
                      r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}")
# A closing border or a scrollbar may stand in the last column; a letter there ran off.
OPEN_CLOSE = [("▊", "▎"), ("┏", "┓"), ("┗", "┛"), ("╭", "╮"), ("╰", "╯")]
EDGES = "▔▁━─╸╺"
# Stripped from line ends before sentences are looked for: borders and scrollbars.
FRAME = "▊▎▍▌▋▏▐┃│▁▂▃▄▅▆▇█▔ "


def flat(text: str) -> str:
    """Return text as one line: borders at line ends dropped, whitespace collapsed."""
    lines = [line.strip(FRAME) for line in text.split("\n")]
    return " ".join(" ".join(lines).split())


def screen_problems(terminal: Terminal, must_show=(), buttons: bool = True,
                    boxes: bool = True) -> list[str]:
    """Return what is wrong with the screen as shown now (nothing: an empty list).

    An open dropdown covers the boxes under it: check it with boxes and buttons off.
    """
    width, _height = terminal.size
    # tmux takes a big frame in several reads: judge the screen once it is drawn whole.
    text = terminal.wait_until_settled()
    rows = terminal.cells()
    problems = []
    if LOG_LINE.search(text):
        problems.append(f"a log line is drawn over the kiosk: {LOG_LINE.search(text).group()}")
    for y, row in enumerate(rows):
        line = "".join(cell.char for cell in row)
        last = row[width - 1].char
        if last.isalnum() or last in ".,:;!?)»”…":
            problems.append(f"row {y}: text runs into the last column: {line.rstrip()!r}")
        run = len(line) - len(line.rstrip(EDGES))
        if 2 < run < width:  # a rule across the whole width is whole; a box edge is not
            problems.append(f"row {y}: a box edge runs off the right edge: {line.rstrip()!r}")
        for opening, closing in OPEN_CLOSE if boxes else ():
            if line.count(opening) != line.count(closing):
                problems.append(f"row {y}: a box is not closed ({opening} without {closing}): "
                                f"{line.rstrip()!r}")
        if boxes and line.count("┃") % 2:
            problems.append(f"row {y}: a heavy box misses a side: {line.rstrip()!r}")
        if buttons:
            problems += button_problems(rows, y, line)
    shown = flat(text)
    for sentence in must_show:
        if flat(sentence) not in shown:
            problems.append(f"not shown whole: {sentence!r}")
    return problems


def button_problems(rows, y: int, line: str) -> list[str]:
    """A button is a run of ▔ with the same run of ▁ two rows below: both or it is cut."""
    problems = []
    for match in re.finditer("▔+", line):
        if match.start() > 0 and line[match.start() - 1] in "▊▔":
            continue  # the top of an input or a list box, not a button
        below = "".join(cell.char for cell in rows[y + 2]) if y + 2 < len(rows) else ""
        if below[match.start():match.end()] != "▁" * (match.end() - match.start()):
            problems.append(f"row {y}: a button is cut (its bottom edge is missing) at "
                            f"column {match.start()}")
    return problems


def assert_screen(terminal: Terminal, must_show=(), where: str = "", **options) -> None:
    problems = screen_problems(terminal, must_show, **options)
    assert not problems, (f"{where} at {terminal.size[0]}x{terminal.size[1]}:\n  "
                          + "\n  ".join(problems) + "\n" + terminal.capture())


def title_bar_problems(terminal: Terminal, title: str) -> list[str]:
    """The title bar's colour must reach the right edge, with the title inside it."""
    terminal.wait_until_settled()
    for y, row in enumerate(terminal.cells()):
        line = "".join(cell.char for cell in row)
        if title in line:
            inside = row[line.index(title)].shown_bg
            if row[-1].shown_bg != inside:
                return [f"the title bar stops before the right edge (row {y}): "
                        f"{row[-1].shown_bg} there, {inside} behind the title"]
            return []
    return [f"no title bar with {title!r}"]


def changed_rows(before: str, after: str) -> str:
    """Return the rows of after that differ from before, as one text."""
    old = before.split("\n")
    return "\n".join(line for y, line in enumerate(after.split("\n"))
                     if y >= len(old) or line != old[y])


def open_dropdown(terminal: Terminal, choices, where: str) -> str:
    """Open the focused Select with Enter; wait until its choices are drawn; return the pane."""
    before = terminal.capture()
    terminal.send("Enter")
    try:
        return terminal.wait_for(
            lambda screen: all(choice in changed_rows(before, screen) for choice in choices),
            timeout=5)
    except AssertionError as waited:
        raise AssertionError(f"{where}: the dropdown opened without its choices {choices}\n"
                             f"{waited}") from None


def pick(terminal: Terminal, choice: str) -> None:
    """Type to jump to a choice in the open dropdown and take it."""
    terminal.type(choice)
    terminal.send("Enter")
    terminal.wait_for(lambda screen: "▲" not in screen and choice in screen)
    terminal.wait_until_settled()  # closed for good: the next key goes to the form


def dropdown_columns(terminal: Terminal) -> tuple[int, int]:
    """Return the columns of the open dropdown: those of the Select showing ▲."""
    for row in terminal.cells():
        line = "".join(cell.char for cell in row)
        if "▲" in line:
            arrow = line.index("▲")
            return line.rindex("▊", 0, arrow), line.index("▎", arrow) + 1
    return 0, terminal.size[0]


def odd_one_out(shown: list) -> tuple[str, object, tuple] | None:
    """Of (line, cell) pairs, return (line, cell, usual background) of the one whose
    background differs from all the others: the cursor. None if there is not one."""
    backgrounds = [cell.shown_bg for _line, cell in shown]
    if len(shown) < 3:
        return None
    usual = max(set(backgrounds), key=backgrounds.count)
    odd = [(line, cell, usual) for line, cell in shown if cell.shown_bg != usual]
    return odd[0] if len(odd) == 1 else None


def first_letter(line: str, row) -> tuple[str, object] | None:
    x = next((x for x, char in enumerate(line) if char.isalpha()), None)
    return None if x is None else (line, row[x])


def highlight(terminal: Terminal, texts):
    """Return the cursor row among the rows showing one of texts (see odd_one_out)."""
    shown = []
    for row in terminal.cells():
        line = "".join(cell.char for cell in row)
        if any(text in line for text in texts):
            shown.append(first_letter(line, row))
    return odd_one_out([pair for pair in shown if pair])


def dropdown_highlight(terminal: Terminal):
    """Return the cursor row of the open dropdown: the box under (or over) the ▲ line."""
    start, end = dropdown_columns(terminal)
    rows = [row[start:end] for row in terminal.cells()]
    lines = ["".join(cell.char for cell in row) for row in rows]
    select = next((y for y, line in enumerate(lines) if "▲" in line), None)
    if select is None:
        return None
    below = lines[select + 2:select + 3] and lines[select + 2].startswith("▊▔")
    step = 1 if below else -1
    y = select + 3 if below else select - 3
    shown = []
    while 0 <= y < len(lines) and lines[y].startswith("▊") and set(lines[y][1:2]) - set("▔▁"):
        shown.append(first_letter(lines[y], rows[y]))
        y += step
    return odd_one_out([pair for pair in shown if pair])


def assert_stands_out(marked, where: str) -> None:
    """The cursor row must be seen: WCAG 2 asks 3:1 against its surroundings, 4.5:1 for
    its text."""
    assert marked, f"{where}: no highlighted row"
    line, cell, usual = marked
    assert contrast(cell.shown_bg, usual) >= 3, (
        f"{where}: the highlighted row hardly stands out, {cell.shown_bg} on {usual}: {line}")
    assert contrast(cell.shown_fg, cell.shown_bg) >= 4.5, (
        f"{where}: the highlighted row is hard to read, {cell.shown_fg} on {cell.shown_bg}")


def pick_with_arrows(terminal: Terminal, choice: str) -> None:
    """Walk the open dropdown down to a choice and take it with Enter."""
    for _ in range(20):
        terminal.wait_until_settled()
        marked = dropdown_highlight(terminal)
        if marked and choice in marked[0]:
            terminal.send("Enter")
            terminal.wait_for(lambda screen: "▲" not in screen)
            return
        terminal.send("Down")
    raise AssertionError(f"{choice!r} could not be reached with the arrow keys:\n"
                         + terminal.capture())


def background_of(terminal: Terminal, text: str):
    """Return the background behind the first letter of text on the screen."""
    for row in terminal.cells():
        line = "".join(cell.char for cell in row)
        if text in line:
            return row[line.index(text)].shown_bg
    return None


def tab_to(terminal: Terminal, label: str, like: str) -> None:
    """Press Tab until the button label looks focused, as the focused button like does."""
    terminal.wait_until_settled()
    focused = background_of(terminal, like)
    for _ in range(20):
        terminal.send("Tab")
        terminal.wait_until_settled()
        if background_of(terminal, label) == focused:
            return
    raise AssertionError(f"Tab never reached {label!r}:\n{terminal.capture()}")


# --- citizen screens --------------------------------------------------------------------

HOME_TEXTS = ["Here you can lend a hand or ask for one, find a community, or tell us what you "
              "think. Choose one of the big buttons.", "1  Offer help or things",
              "2  Find a community", "3  Praise, complaints and ideas", "4  I need a hand",
              "About your data"]


@pytest.mark.parametrize("size", SIZES)
def test_home_shows_its_choices_where_it_stands_and_our_number(kiosk, size):
    home = citizen_kiosk(kiosk, size)
    assert_screen(home, [da(text) for text in HOME_TEXTS] + [
        da("Welcome to Fælles"), LOCATION,
        da("You can also text us on {number}. Send HELP to see how.").format(
            number=SMS_NUMBER),
        "Dansk", "English"], "Home")


@pytest.mark.parametrize("size", SIZES)
def test_about_says_where_we_are_and_the_number_to_text_slet_to(kiosk, size):
    about = citizen_kiosk(kiosk, size)
    tab_to(about, da("About your data"), like=da("1  Offer help or things"))
    about.send("Enter")
    about.wait_for(da("Feedback is anonymous unless you give your number."))
    assert_screen(about, [
        da("← Back"), da("About your data"),
        da("Feedback is anonymous unless you give your number."),
        da("To have everything about you erased, text SLET to {number}, or ask the staff "
           "here.").format(number=SMS_NUMBER),
        da("We also note that you used the kiosk at {location}.").format(location=LOCATION),
    ], "About")
    assert not title_bar_problems(about, da("About your data"))


@pytest.mark.parametrize("size", SIZES)
def test_every_offer_step_fits_and_the_town_dropdown_shows_the_towns(kiosk, size):
    offer = citizen_kiosk(kiosk, size)
    offer.send("1")
    offer.wait_for(da("What would you like to offer?"))
    assert_screen(offer, [da("← Back"), da("Offer help or things"),
                          da("What would you like to offer?"), da("My time"), da("Know-how"),
                          da("Things to lend"), da("A room"), da("A lift"),
                          da("Start something new")], "Offer: category")
    assert not title_bar_problems(offer, da("Offer help or things"))

    offer.send("Enter")  # My time
    describe = da("Tell us about it in a few words. For example: I can drive a neighbour to "
                  "the doctor on Tuesdays.")
    offer.wait_for(lambda screen: flat(describe) in flat(screen))
    offer.type("Jeg kan læse højt")
    offer.wait_for("Jeg kan læse højt")
    assert_screen(offer, [describe, "Jeg kan læse højt", da("Next")], "Offer: describe")

    offer.send("Tab", "Enter")  # to Next, press it
    offer.wait_for(da("Where? (optional)"))
    assert_screen(offer, [da("Where? (optional)"), da("Choose a town"),
                          da("Your phone number, so a coordinator can text you (optional)."),
                          da("Phone number, e.g. 20 12 34 56"), da("Next")], "Offer: details")
    assert "▼" in offer.capture(), "the town dropdown shows no arrow"
    open_dropdown(offer, DEMO_TOWNS[:4], "Offer: town")
    assert_screen(offer, ["Munkebo"], "Offer: town dropdown open", buttons=False,
                  boxes=False)
    pick(offer, "Munkebo")

    offer.send("Tab")
    offer.wait_until_settled()
    offer.type("20 12 34 56")
    offer.wait_for("20 12 34 56")
    offer.send("Tab", "Enter")  # to Next, press it
    offer.wait_for(da("Is this right?"))
    assert_screen(offer, [da("Is this right?"), f"{da('My time')}: Jeg kan læse højt",
                          da("Town: {town}").format(town="Munkebo"),
                          da("Phone: {phone}").format(phone="+45 20 12 34 56"),
                          da("Yes, send my offer"), da("Change the text")], "Offer: review")

    offer.send("Enter")  # Yes, send my offer
    offer.wait_for(da("Back to start"))
    receipt = da("Thank you! Your offer has number {number}. A coordinator will look at it "
                 "within a few days.")
    number = re.search(re.escape(flat(receipt)).replace(re.escape("{number}"), r"(\d+)"),
                       flat(offer.capture()))
    assert number, f"no receipt with a number:\n{offer.capture()}"
    assert_screen(offer, [receipt.format(number=number.group(1)),
                          da("We will text you when they have."), da("Back to start")],
                  "Offer: receipt")


@pytest.mark.parametrize("size", SIZES)
def test_every_feedback_step_fits_and_the_town_dropdown_shows_the_towns(kiosk, size):
    feedback = citizen_kiosk(kiosk, size)
    feedback.send("3")
    feedback.wait_for(da("What would you like to tell us?"))
    assert_screen(feedback, [da("Praise, complaints and ideas"),
                             da("What would you like to tell us?"), da("Praise (ros)"),
                             da("Complaint (ris)"), da("Idea (idé)")], "Feedback: kind")
    assert not title_bar_problems(feedback, da("Praise, complaints and ideas"))

    feedback.send("Enter")  # Praise
    feedback.wait_for(da("How happy are you? Choose a face, or skip."))
    assert_screen(feedback, [da("How happy are you? Choose a face, or skip."),
                             *(f"{face} {value}" for value, face in
                               zip(range(1, 6), "😞🙁😐🙂😄")),
                             da("Skip")], "Feedback: rating")

    # The focus waits on Skip, so a stray Enter gives no rating; the number key rates.
    skip, unfocused = background_of(feedback, da("Skip")), background_of(feedback, da("← Back"))
    assert contrast(skip, unfocused) >= 3, f"Skip does not look focused:\n{feedback.capture()}"
    feedback.send("4")  # the fourth face: 🙂 4
    feedback.wait_for(da("Write it here, in your own words."))
    feedback.type("Gode bænke ved havnen")
    feedback.wait_for("Gode bænke ved havnen")
    assert_screen(feedback, [da("Write it here, in your own words."), "Gode bænke ved havnen",
                             da("Next")], "Feedback: text")

    feedback.send("Tab", "Enter")
    feedback.wait_for(da("Which town is it about? (optional)"))
    assert_screen(feedback, [
        da("Which town is it about? (optional)"), da("Choose a town"),
        da("Would you like an answer? Then give your phone number. Without it your feedback "
           "is anonymous."), da("Send")], "Feedback: details")
    open_dropdown(feedback, DEMO_TOWNS[:4], "Feedback: town")
    assert_screen(feedback, ["Munkebo"], "Feedback: town dropdown open", buttons=False,
                  boxes=False)
    pick(feedback, "Kerteminde")

    feedback.send("Tab", "Tab", "Enter")  # past the number (left empty), Send
    feedback.wait_for(da("Thank you! A coordinator will read it."))
    assert_screen(feedback, [da("Thank you! A coordinator will read it."),
                             da("Back to start")], "Feedback: thanks")


def communities_screen(kiosk, size) -> Terminal:
    communities = citizen_kiosk(kiosk, size)
    communities.send("2")
    communities.wait_for("Strikkecafé")  # the list has come from the store
    return communities


@pytest.mark.parametrize("size", SIZES)
def test_communities_shows_search_town_filter_and_the_list_without_a_gap(kiosk, size):
    communities = communities_screen(kiosk, size)
    assert_screen(communities, [da("Find a community"), da("Search, e.g. walk or knitting"),
                                da("Choose a town"), "Strikkecafé"],
                  "Communities")
    lines = communities.lines()
    search = next(y for y, line in enumerate(lines)
                  if da("Search, e.g. walk or knitting") in line)
    listed = next(y for y, line in enumerate(lines) if "  ·  " in line)
    blank = max((len(run) for run in re.findall(r"B+", "".join(
        "B" if not line.strip() else "x" for line in lines[search + 2:listed]))), default=0)
    assert blank <= 2, f"{blank} empty lines between the search box and the list:\n" + \
        communities.capture()


@pytest.mark.parametrize("size", SIZES)
def test_the_town_filter_opens_with_every_town_and_narrows_the_list(kiosk, size):
    communities = communities_screen(kiosk, size)
    communities.send("Tab")  # from the search box to the town filter
    open_dropdown(communities, DEMO_TOWNS[:4], "Communities: town filter")
    assert_screen(communities, [], "Communities: town filter open", buttons=False,
                  boxes=False)
    communities.send("Down")
    communities.wait_for(lambda screen: "Birkende" in (dropdown_highlight(communities)
                                                        or ("",))[0])
    assert_stands_out(dropdown_highlight(communities), "Town dropdown")
    pick(communities, "Dalby")
    communities.wait_for(lambda screen: "Strikkecafé" not in screen)
    assert "Petanque i Dalby" in communities.capture()


@pytest.mark.parametrize("size", SIZES)
def test_the_highlighted_community_stands_out_when_the_list_has_focus(kiosk, size):
    communities = communities_screen(kiosk, size)
    communities.send("Enter")  # from the search box into the list, first line highlighted
    communities.wait_for(lambda screen: highlight(communities, ["  ·  "]))
    communities.send("Down")  # the second line: not just the first one by chance
    communities.wait_for(lambda screen: "Petanque i Dalby" in (
        highlight(communities, ["  ·  "]) or ("",))[0])
    assert_stands_out(highlight(communities, ["  ·  "]), "Communities list")


@pytest.mark.parametrize("size", SIZES)
def test_a_community_and_every_join_step_fit(kiosk, size, store):
    from shared.db import open_db, rows

    phone = {(80, 24): "20 12 34 56", (100, 30): "20 12 34 57"}[size]
    e164 = "+45" + phone.replace(" ", "")
    join = communities_screen(kiosk, size)
    join.type("strik")
    join.wait_for(lambda screen: "Gåtur" not in screen)
    join.send("Enter", "Enter")  # into the list, open the only community
    join.wait_for(da("Join"))
    join.wait_for("Kerteminde Bibliotek")
    assert_screen(join, ["Strikkecafé", da("Where: {place}, {town}").format(
        place="Kerteminde Bibliotek, Strandvejen 5", town="Kerteminde"),
        da("When: {schedule}").format(schedule="Tirsdage kl. 14-16"), da("Join")],
        "Community")
    assert not title_bar_problems(join, "Strikkecafé")

    join.send("Enter")
    question = da("Type your mobile number. We send you a code by SMS, so we know the number "
                  "is yours.")
    join.wait_for(lambda screen: flat(question) in flat(screen))
    assert_screen(join, [question, da("Phone number, e.g. 20 12 34 56"),
                         da("Send me a code")], "Join: number")

    join.type(phone)
    join.send("Enter")
    join.wait_for(da("We have sent you an SMS with 6 digits. Type them here."))
    assert_screen(join, [da("We have sent you an SMS with 6 digits. Type them here."),
                         "123456", da("Join"), da("I did not get a code")], "Join: code")

    db = open_db(store["FAELLES_DB"])
    try:
        [sms] = rows(db, "SELECT body FROM messages WHERE phone = ? AND kind = 'code'", (e164,))
    finally:
        db.close()
    join.type(re.search(r"\b(\d{6})\b", sms["body"]).group(1))
    join.send("Enter")
    join.wait_for(da("Back to start"))
    assert_screen(join, [da("Welcome to {name}! We have sent you an SMS about it.").format(
        name="Strikkecafé"), da("Back to start")], "Join: welcome")


@pytest.mark.parametrize("size", SIZES)
def test_every_need_step_fits_and_the_town_dropdown_shows_the_towns(kiosk, size, store):
    from shared.db import open_db, rows

    phone = {(80, 24): "20 12 34 58", (100, 30): "20 12 34 59"}[size]
    need = citizen_kiosk(kiosk, size)
    need.send("4")
    describe = da("What do you need a hand with? Write it in your own words. For example: I "
                  "need a lift to the doctor on Thursday.")
    need.wait_for(lambda screen: flat(describe) in flat(screen))
    need.type("Jeg skal køres til lægen")
    need.wait_for("Jeg skal køres til lægen")
    assert_screen(need, [da("← Back"), da("I need a hand"), describe,
                         "Jeg skal køres til lægen", da("Next")], "Need: describe")
    assert not title_bar_problems(need, da("I need a hand"))

    need.send("Tab", "Enter")  # to Next, press it
    need.wait_for(da("What kind of help is it? (optional)"))
    assert_screen(need, [da("What kind of help is it? (optional)"), da("Someone with time"),
                         da("Advice or know-how"), da("Something to borrow"), da("A room"),
                         da("A lift"), da("Something new in town"), da("Skip")], "Need: kind")

    need.send("Tab", "Tab", "Tab", "Tab", "Enter")  # the fifth tile: A lift
    need.wait_for(da("When? (optional)"))
    assert_screen(need, [da("Where? (optional)"), da("Choose a town"), da("When? (optional)"),
                         da("For example: Thursday morning"), da("Next")], "Need: details")
    open_dropdown(need, DEMO_TOWNS[:4], "Need: town")
    assert_screen(need, ["Munkebo"], "Need: town dropdown open", buttons=False, boxes=False)
    pick(need, "Munkebo")
    need.send("Tab")
    need.wait_until_settled()
    need.type("torsdag formiddag")
    need.wait_for("torsdag formiddag")

    need.send("Enter")
    question = da("Type your mobile number. We send you a code by SMS, so we know the number "
                  "is yours.")
    need.wait_for(lambda screen: flat(question) in flat(screen))
    assert_screen(need, [question, da("We need your number to text you when someone can help."),
                         da("Phone number, e.g. 20 12 34 56"), da("Send me a code")],
                  "Need: number")

    need.type(phone)
    need.send("Enter")
    need.wait_for(da("We have sent you an SMS with 6 digits. Type them here."))
    assert_screen(need, [da("We have sent you an SMS with 6 digits. Type them here."),
                         "123456", da("Next"), da("I did not get a code")], "Need: code")

    e164 = "+45" + phone.replace(" ", "")
    db = open_db(store["FAELLES_DB"])
    try:
        [sms] = rows(db, "SELECT body FROM messages WHERE phone = ? AND kind = 'code'", (e164,))
    finally:
        db.close()
    need.type(re.search(r"\b(\d{6})\b", sms["body"]).group(1))
    need.send("Enter")
    need.wait_for(da("Is this right?"))
    assert_screen(need, [da("Is this right?"),
                         da("What: {text}").format(text="Jeg skal køres til lægen"),
                         da("Kind: {kind}").format(kind=da("A lift")),
                         da("Town: {town}").format(town="Munkebo"),
                         da("When: {when}").format(when="torsdag formiddag"),
                         da("Phone: {phone}").format(phone="+45 " + phone),
                         da("Yes, ask for a hand"), da("Change the text")], "Need: review")

    need.send("Enter")  # Yes, ask for a hand
    need.wait_for(da("Back to start"))
    receipt = da("Thank you! We have written it down as number {number}. A coordinator will "
                 "look for someone who can help, and we will text you.")
    number = re.search(re.escape(flat(receipt)).replace(re.escape("{number}"), r"(\d+)"),
                       flat(need.capture()))
    assert number, f"no receipt with a number:\n{need.capture()}"
    assert_screen(need, [receipt.format(number=number.group(1)), da("Back to start")],
                  "Need: receipt")


# --- coordinator mode ------------------------------------------------------------------

TAB_LABELS = [da(label) for _name, label in TABS]
# A key-help item starts with a key: a letter or digit, arrows, a named key, a range.
KEY = (r"(?:[a-zæøå0-9]|[↑↓←→]+|Enter|Esc|Tab|Mellemrum|Space|PgUp|PgDn|Home|End|"
       r"(?:Ctrl|Shift|Alt)\+\S+|F\d+|\d[–-]\d)")
HELP_ITEM = re.compile(rf"^{KEY} \S")


def help_start(line: str) -> str | None:
    """Return line without a 'Keys:' prefix if it starts a key-help line, else None."""
    line = re.sub(r"^(Keys|Taster):\s*", "", line.strip(FRAME))
    parts = [part.strip() for part in line.split(" · ")]
    return line if len(parts) > 1 and HELP_ITEM.match(parts[0]) else None


def help_items(screen: str) -> list[str]:
    """Return the key-help items: 'a approve', 'g refresh', '1–6 change tab'.

    The help lines stand at the bottom; one too long for the width may wrap, and
    its next line then continues it.
    """
    lines = [line.strip(FRAME) for line in screen.split("\n")]
    starts = [y for y, line in enumerate(lines) if help_start(line)]
    if not starts:
        return []
    helps: list[str] = []
    for y in range(starts[0], len(lines)):
        if y in starts:
            helps.append(help_start(lines[y]))
        elif lines[y]:
            helps[-1] += " " + lines[y]
    return [item.strip() for help in helps for item in help.split(" · ")]


def log_in(kiosk, size, name: str = "Anna") -> Terminal:
    coordinator = kiosk(size, "--coordinator")
    coordinator.wait_for(da("Who are you?"))
    open_dropdown(coordinator, COORDINATORS, "Coordinator login: who are you?")
    pick_with_arrows(coordinator, name)
    # Choosing a name may move the focus to the PIN by itself; if not, Tab does.
    coordinator.type(PIN)
    try:
        coordinator.wait_for("•" * len(PIN), timeout=2)
    except AssertionError:
        coordinator.send("Tab")
        coordinator.type(PIN)
        coordinator.wait_for("•" * len(PIN))  # every digit reached the PIN field
    coordinator.send("Enter")
    coordinator.wait_for(da("Coordinator: {name}").format(name=name))
    coordinator.wait_for(lambda screen: all(label in screen for label in TAB_LABELS))
    return coordinator


def active_tab(terminal: Terminal) -> str | None:
    """Return the label of the tab whose underline is drawn in its own colour."""
    rows = terminal.cells()
    for y, row in enumerate(rows[:-1]):
        line = "".join(cell.char for cell in row)
        if all(label in line for label in TAB_LABELS):
            under = rows[y + 1]
            colours = {label: under[line.index(label)].shown_fg for label in TAB_LABELS}
            counts = list(colours.values())
            odd = [label for label, colour in colours.items() if counts.count(colour) == 1]
            return odd[0] if len(odd) == 1 else None
    return None


@pytest.mark.parametrize("size", SIZES)
def test_the_login_dropdown_lists_every_coordinator(kiosk, size):
    coordinator = kiosk(size, "--coordinator")
    coordinator.wait_for(da("Who are you?"))
    open_dropdown(coordinator, COORDINATORS, "Coordinator login")
    assert_screen(coordinator, list(COORDINATORS), "Coordinator login, names shown",
                  buttons=False, boxes=False)


@pytest.fixture(scope="module")
def wide_help(store) -> dict[str, list[str]]:
    """Return each tab's key help as shown where nothing can be cut: a very big terminal."""
    wide = Terminal()

    def start(size, *args):
        wide.start([FAELLES, "kiosk", *args], size, env=store, cwd=ROOT)
        return wide

    try:
        log_in(start, (220, 60))
        shown = {}
        for number, label in enumerate(TAB_LABELS, start=1):
            shown[label] = help_items(visit_tab(wide, number, label))
        return shown
    finally:
        wide.stop()


def visit_tab(terminal: Terminal, number: int, label: str) -> str:
    """Open a tab by its number key, as its label says; return the settled screen."""
    # A field (People's phone number) takes digits as text: Esc first, as the help says.
    terminal.send("Escape")
    # Let Esc land alone: ESC with a key right behind it reads as Alt+key.
    terminal.wait_until_settled()
    terminal.send(str(number))
    terminal.wait_for(lambda screen: active_tab(terminal) == label, timeout=5)
    return terminal.wait_until_settled()


@pytest.mark.parametrize("size", SIZES)
def test_every_coordinator_tab_shows_its_keys_whole_and_how_to_change_tabs(kiosk, size,
                                                                           wide_help):
    reference = wide_help
    coordinator = log_in(kiosk, size)
    problems = []
    for number, label in enumerate(TAB_LABELS, start=1):
        try:
            screen = visit_tab(coordinator, number, label)
        except AssertionError:
            problems.append(f"{label}: key {number} does not open the tab")
            continue
        items = help_items(screen)
        if not reference[label]:
            problems.append(f"{label}: no key-help line, even in a big terminal")
        missing = [item for item in reference[label] if item not in items]
        if missing:
            problems.append(f"{label}: key help cut or missing: {missing}")
        if not any(re.search(r"\bfane|\btab\b", item.split(" ", 1)[1], re.I)
                   for item in items):
            problems.append(f"{label}: no help line says how to change tabs")
        problems += [f"{label}: {problem}" for problem in
                     screen_problems(coordinator, buttons=False)]
    assert not problems, (f"coordinator at {size[0]}x{size[1]}:\n  " + "\n  ".join(problems)
                          + "\n" + coordinator.capture())


# LEKTIE's demo members read Danish, Arabic and Ukrainian: its SMS has a text per language.
LEKTIE_TEXTS = [f"{da('Text in {language} (main text) · {recipients}')}".format(
                    language="dansk", recipients="1 modtager"),
                da("Text in {language} · {recipients}").format(language="arabisk",
                                                               recipients="1 modtager"),
                da("Text in {language} · {recipients}").format(language="ukrainsk",
                                                               recipients="1 modtager")]


@pytest.mark.parametrize("size", SIZES)
def test_the_broadcast_shows_the_members_languages_and_a_text_for_each(kiosk, size):
    coordinator = log_in(kiosk, size)
    visit_tab(coordinator, 4, da("Communities"))
    for _ in range(20):  # down the table until the details show LEKTIE
        if "LEKTIE · " in coordinator.capture():
            break
        coordinator.send("Down")
        coordinator.wait_until_settled()
    coordinator.send("b")
    recipients = "3 modtagere: 1 dansk, 1 arabisk og 1 ukrainsk"
    fallback = ("2 får den danske tekst, fordi der ikke er en tekst på deres sprog "
                "(arabisk og ukrainsk).")
    coordinator.wait_for(recipients)
    assert_screen(coordinator, [recipients, fallback, LEKTIE_TEXTS[0], da("Send")],
                  "SMS to LEKTIE")

    coordinator.send("BTab")  # from the text to the language of the text
    open_dropdown(coordinator, LEKTIE_TEXTS, "SMS to LEKTIE: the language of the text")
    assert_screen(coordinator, LEKTIE_TEXTS, "SMS to LEKTIE, languages shown", buttons=False,
                  boxes=False)
    coordinator.send("Down", "Enter")
    coordinator.wait_for(lambda screen: "▲" not in screen and LEKTIE_TEXTS[1] in screen)
    coordinator.send("Tab")
    coordinator.wait_until_settled()
    coordinator.type("مساعدة الواجبات مغلقة في الأسبوع 42.")
    size_line = da("{characters} · {encoding} · {segments} per SMS").format(
        characters="36 tegn", encoding="UCS-2", segments="1 SMS-del")
    coordinator.wait_for(size_line)
    assert_screen(coordinator, [size_line, "1 får den danske tekst", da("Send")],
                  "SMS to LEKTIE, the Arabic text")
    coordinator.send("Escape")


def approve_the_demo_lift(store) -> None:
    """Approve the demo's lift to Odense, so the demo need for one has an offer to fit."""
    from shared.db import open_db, row
    from shared.services.decisions import decide_offer

    db = open_db(store["FAELLES_DB"])
    try:
        lift = row(db, "SELECT o.id, o.status FROM offers o JOIN contacts c"
                       " ON c.id = o.contact_id WHERE c.phone = '+4520110303'")
        if lift["status"] == "pending":
            demo = row(db, "SELECT id FROM coordinators ORDER BY id")["id"]
            decide_offer(db, lift["id"], "approve", coordinator_id=demo, now=utcnow())
    finally:
        db.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_needs_tab_the_offers_that_fit_and_both_sms_fit(kiosk, size, store):
    approve_the_demo_lift(store)
    coordinator = log_in(kiosk, size)
    visit_tab(coordinator, TAB_LABELS.index(da("Needs")) + 1, da("Needs"))
    coordinator.wait_for("I need a lift to Odense")
    assert_screen(coordinator, [da(heading) for heading in
                                ("Date", "Town", "Category", "Status", "Asked", "Need")]
                  + [da("Need no. {id}").format(id=1), "Langeskov"], "Needs")

    coordinator.send("i")
    title = da("Introduce need no. {id} to which offer?").format(id=1)
    coordinator.wait_for(title)
    assert_screen(coordinator, [title, "I drive to Odense every Thursday morning",
                                da("↑↓ choose · Enter see both SMS · Esc cancel")],
                  "Needs: which offer")

    coordinator.send("Enter")
    coordinator.wait_for(da("Their numbers are shared only when both reply YES."))
    headings = [da(heading).split(" (")[0].format(language="engelsk") for heading in (
        "To the one who needs help, by SMS in {language} ({size}):",
        "To the one who offers, by SMS in {language} ({size}):")]
    assert_screen(coordinator, headings + [
        da("Their numbers are shared only when both reply YES."), da("Send"),
        da("Cancel (Esc)")], "Needs: both SMS")
    coordinator.send("Escape")  # nothing is sent: the other size sees the same screens


# --- ending the kiosk ------------------------------------------------------------------------

@pytest.mark.parametrize("signal_name", ["TERM", "HUP"])
def test_a_terminate_or_hangup_puts_the_terminal_back(store, signal_name, tmp_path):
    terminal = Terminal()
    try:
        # The kiosk writes down its own process id (sh execs it): which process
        # tmux's pane runs depends on the login shell (dash keeps its own -c
        # shell in between, bash does not), so its children say nothing sure.
        pid_file = tmp_path / "kiosk.pid"
        kiosk = f"echo $$ > {shlex.quote(str(pid_file))}; exec {shlex.quote(FAELLES)} kiosk"
        script = f"echo BEFORE; sh -c {shlex.quote(kiosk)}; echo EXIT=$?"
        terminal.start(["sh", "-c", script], (80, 24), env=store, cwd=ROOT)
        terminal.wait_for(da("About your data"))
        # Home is drawn a moment before the kiosk has taken the signals over: a
        # busy machine can be that slow, so wait until nothing more changes.
        terminal.wait_until_settled()
        kiosk_pid = pid_file.read_text().strip()
        subprocess.run(["kill", f"-{signal_name}", kiosk_pid], check=True)
        screen = terminal.wait_for("EXIT=")
        assert "EXIT=0" in screen, screen  # ended as by Ctrl-C, not killed (143, 129)
        # The terminal is out of the kiosk's alternate screen and mouse reporting.
        modes = terminal.tmux("display-message", "-p", "-t", "kiosk",
                              "#{alternate_on} #{mouse_any_flag} #{mouse_sgr_flag}")
        assert modes.split() == ["0", "0", "0"], modes
        assert da("About your data") not in screen
    finally:
        terminal.stop()


@pytest.mark.parametrize("size", SIZES)
def test_the_new_community_form_shows_every_field_and_save_and_the_towns(kiosk, size):
    coordinator = log_in(kiosk, size)
    visit_tab(coordinator, 4, TAB_LABELS[3])
    coordinator.send("n")
    coordinator.wait_for(da("New community"))
    # The fields with their frames, the next meeting with what it says under it, and the
    # texts of one language under its tab; Save and Cancel stay at the bottom.
    assert_screen(coordinator, [
        da("New community"), da("SMS code"), da("e.g. STRIK"), da("Town"), da("Choose a town"),
        da("Place"), da("Next meeting"), da("e.g. 12/12 14:00 Library"),
        da("No meeting is set. Members get an SMS the day before a meeting."),
        "Dansk", "Arabisk", "Ukrainsk", da("Name"), da("When it meets"), da("Save"),
        da("Cancel")], "New community")
    framed = [line for line in coordinator.lines() if da("Name") in line]
    assert framed and "▊" in framed[0], f"the name has no field to write in:\n{framed}"
    # At 80x24 the description is under the buttons until the cursor goes there.
    coordinator.send("BTab", "BTab", "BTab")  # from the code back past Cancel and Save
    coordinator.wait_for(da("Description"))
    assert_screen(coordinator, [da("Description"), da("Save"), da("Cancel")],
                  "New community: the description")
    coordinator.send("Tab", "Tab", "Tab")  # forward again to the code
    coordinator.wait_until_settled()
    coordinator.send("Tab")  # from the code to the town
    open_dropdown(coordinator, DEMO_TOWNS[:4], "New community: town")
    assert_screen(coordinator, [da("Another town…")], "New community: towns shown",
                  buttons=False, boxes=False)


@contextmanager
def weekly_meeting(store, code: str, text: str):
    """Give the community a weekly meeting for the test, and call it off after."""
    from shared.db import open_db, row
    from shared.services.coordinator import call_off_next_meeting, set_next_meeting

    db = open_db(store["FAELLES_DB"])
    anna = row(db, "SELECT id FROM coordinators WHERE name = 'Anna'")["id"]
    try:
        set_next_meeting(db, code, text, language="da", coordinator_id=anna, now=utcnow())
        yield
    finally:
        call_off_next_meeting(db, code, coordinator_id=anna, now=utcnow())
        db.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_community_form_reads_the_meeting_back_and_can_call_it_off(kiosk, size, store):
    # Weekly meetings: what the form says does not depend on today's date.
    with weekly_meeting(store, "HAVE", "hver tirsdag kl 14 Haven"):
        coordinator = log_in(kiosk, size)
        visit_tab(coordinator, 4, TAB_LABELS[3])
        coordinator.send("e")  # the first community in the list: HAVE, in Birkende
        now_line = da("Next time: {when}, {place}").format(when="hver tirsdag kl. 14.00",
                                                           place="Haven")
        coordinator.wait_for(now_line)
        assert_screen(coordinator, [da("Next meeting"), now_line, da("Call off the meeting"),
                                    da("Save"), da("Cancel")], "Edit HAVE: its meeting")

        coordinator.send("Tab", "Tab")  # from the town past the place to the meeting
        coordinator.wait_until_settled()
        coordinator.type("hver torsdag kl 10 Biblioteket")
        read = da("Understood as: {when}, {place}").format(when="hver torsdag kl. 10.00",
                                                           place="Biblioteket")
        coordinator.wait_for(lambda screen: flat(read) in flat(screen))
        assert_screen(coordinator, [read, da("Save")], "Edit HAVE: a new meeting read back")

        coordinator.send("Tab", "Enter")  # to the button that calls it off, and press it
        called_off = da("Saving calls off the meeting {when}; no reminder goes out.").format(
            when="hver tirsdag kl. 14.00")
        coordinator.wait_for(lambda screen: flat(called_off) in flat(screen))
        assert_screen(coordinator, [called_off, da("Keep the meeting"), da("Save")],
                      "Edit HAVE: calling the meeting off")
        coordinator.send("Escape")  # nothing saved

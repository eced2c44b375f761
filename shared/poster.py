"""An A4 poster in one or two languages: what to text, to which number, in huge letters.

A poster is read from across a room by people who may never scan a code, so
the words to text and the number are the biggest thing on it (60 pt and up),
each in the reader's own language and keyword. A QR code per language opens
the phone's SMS app with the text filled in, beside the words, never instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote

from shared.i18n import translator
from shared.keywords import words_to_text
from shared.phones import display_phone, normalise_phone
from shared.printing import direction, document

# Noto Sans is narrower than DejaVu Sans: "+45 12 34 56 78" fits one line at 60 pt.
FONTS = '"Noto Sans", "Noto Sans Arabic", "DejaVu Sans", sans-serif'
CSS = """
@page { size: A4; margin: 10mm 12mm; }
body { font-family: %(fonts)s; color: #000; margin: 0; }
.language + .language { border-top: 1.5pt solid #000; margin-top: 3mm; padding-top: 2mm; }
h1 { font-size: 40pt; line-height: 1.05; margin: 0 0 1.5mm; }
h2 { font-size: 26pt; line-height: 1.05; margin: 0 0 1.5mm; }
.about { font-size: 15pt; line-height: 1.25; margin: 0 0 2mm; }
.facts { font-size: 22pt; line-height: 1.2; margin: 0 0 2mm; }
.things { font-size: 15.5pt; line-height: 1.2; margin: 0 0 2mm; padding: 0; list-style: none; }
.things li { margin: 0 0 1mm; }
.send { font-size: 60pt; font-weight: bold; line-height: 1.02; margin: 0 0 1mm;
        letter-spacing: -0.01em; }
.send .word { border: 2.5pt solid #000; padding: 0 1.5mm; }
.word, .number, .words { white-space: nowrap; }
.words, .number { unicode-bidi: isolate; }
.number { direction: ltr; }
.codes { display: flex; gap: 8mm; margin-top: 6mm; break-inside: avoid; }
.code { display: flex; gap: 4mm; align-items: center; flex: 1; }
.code svg { width: 32mm; height: 32mm; flex: none; }
.code p { font-size: 12pt; margin: 0; }
/* One language has the page to itself: everything larger. */
.one h1 { font-size: 60pt; }
.one .about { font-size: 19pt; }
.one .facts { font-size: 26pt; }
.one .things { font-size: 20pt; line-height: 1.25; }
.one .things li { margin: 0 0 3mm; }
.one .send { font-size: 66pt; margin-top: 5mm; }
.one .code svg { width: 45mm; height: 45mm; }
.one .code p { font-size: 16pt; }
"""


@dataclass(frozen=True)
class CommunitySide:
    """A community as one language's half of its poster shows it."""

    name: str
    description: str
    when: str  # its schedule, or its weekly meeting in words
    place: str
    town: str
    next_meeting: str | None = None
    next_place: str | None = None


@dataclass(frozen=True)
class Poster:
    """What a poster says: the number to text and, for a community, its code and sides."""

    number: str  # E.164
    languages: tuple[str, ...]
    code: str | None = None
    sides: dict[str, CommunitySide] = field(default_factory=dict)


def sms_link(number: str, body: str) -> str:
    """Return the sms: URI (RFC 5724) that opens the SMS app to number with body written."""
    return f"sms:{normalise_phone(number)}?body={quote(body, safe='')}"


def poster_html(poster: Poster) -> str:
    """Return the poster as one self-contained HTML page."""
    first = poster.languages[0]
    blocks = [_community(poster, language) if poster.code else _general(poster, language)
              for language in poster.languages]
    codes = "".join(_qr(poster, language) for language in poster.languages)
    title = poster.sides[first].name if poster.code else "Fælles"
    size = "one" if len(poster.languages) == 1 else "two"
    body = (f'<div class="poster {size}">{"".join(blocks)}'
            f'<div class="codes">{codes}</div></div>')
    return document(title=title, body=body, locale=first, css=CSS % {"fonts": FONTS})


def text_for(poster: Poster, language: str) -> str:
    """Return what to text: DELTAG STRIK for a community, HJÆLP for Fælles in general."""
    if poster.code:
        return f"{words_to_text('join', language)} {poster.code}"
    return words_to_text("help", language)


def _send(poster: Poster, language: str) -> str:
    _ = translator(language).gettext
    # Each word boxed on its own, so a long keyword and the code may go on two lines.
    words = " ".join(f'<span class="word">{escape(word)}</span>'
                     for word in text_for(poster, language).split(" ", 1))
    number = f'<span class="number">{escape(display_phone(poster.number))}</span>'
    # The template is escaped first, then the two values go in as HTML.
    sentence = escape(_("Text {words} to {number}")).format(
        words=f'<span class="words">{words}</span>', number=number)
    return f'<p class="send">{sentence}</p>'


def _side(language: str, inner: str) -> str:
    return f'<div class="language" lang="{language}" dir="{direction(language)}">{inner}</div>'


def _community(poster: Poster, language: str) -> str:
    """Return one language's half: the name, when and where, and what to text.

    The second language repeats only what it says in its own words: a name,
    a schedule or a place nobody translated is not printed twice.
    """
    _ = translator(language).gettext
    side, first = poster.sides[language], poster.sides[poster.languages[0]]
    second = language != poster.languages[0]
    head = ""
    if not second:
        head = f"<h1>{escape(side.name)}</h1>"
        if side.description and len(poster.languages) == 1:
            head += f'<p class="about">{escape(side.description)}</p>'
    elif side.name != first.name:
        head = f"<h2>{escape(side.name)}</h2>"
    facts = []
    if not second or side.when != first.when:
        facts += [_("When: {schedule}").format(schedule=side.when)] if side.when else []
    if not second:
        facts.append(_("Where: {place}, {town}").format(place=side.place or "-",
                                                        town=side.town))
    if side.next_meeting and (not second or side.next_meeting != first.next_meeting):
        facts.append(_("Next time: {when}, {place}").format(when=side.next_meeting,
                                                            place=side.next_place)
                     if side.next_place else _("Next time: {when}").format(
                         when=side.next_meeting))
    shown = f'<p class="facts">{"<br>".join(map(escape, facts))}</p>' if facts else ""
    return _side(language, head + shown + _send(poster, language))


def _general(poster: Poster, language: str) -> str:
    _ = translator(language).gettext

    def words(*intents: str) -> str:
        said = " / ".join(words_to_text(intent, language) for intent in intents)
        return f'<strong class="words">{escape(said)}</strong>'

    things = [
        escape(_("Offer your time, know-how or things: text {words} and what you offer.")),
        escape(_("Find a community near you: text {words}.")),
        escape(_("Praise, a complaint or an idea: text {words} and your words.")),
        escape(_("Need a hand? Text {words} and what you need.")),
    ]
    filled = [thing.format(words=words(*intents)) for thing, intents in zip(things, (
        ("offer",), ("communities",), ("ros", "ris", "ide"), ("need",)))]
    items = "".join(f"<li>{thing}</li>" for thing in filled)
    about = _("Take part where you live: by text message, with no app and no login.")
    # The name is the same in every language: it heads the page once.
    title = "<h1>Fælles</h1>" if language == poster.languages[0] else ""
    return _side(language, f'{title}<p class="about">{escape(about)}</p>'
                           f'<ul class="things">{items}</ul>' + _send(poster, language))


def _qr(poster: Poster, language: str) -> str:
    import segno

    _ = translator(language).gettext
    link = sms_link(poster.number, text_for(poster, language))
    # Error correction M: still read when a corner is scuffed or a pin goes through it.
    svg = segno.make(link, error="m").svg_inline(scale=1, border=2, omitsize=True)
    caption = _("Have a smartphone? Scan the code and the text is written for you: "
                "just press send.")
    return (f'<div class="code" lang="{language}" dir="{direction(language)}">{svg}'
            f"<p>{escape(caption)}</p></div>")

"""Posters: the words to text and the number in every language, read back from the PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from faelles.cli import main
from shared.communities import create_community, set_community_status
from shared.keywords import words_to_text
from shared.meetings import set_meeting
from shared.poster import Poster, poster_html, sms_link
from shared.services.publishing import PosterRefused, poster_for
from pdf_reading import BIDI_CONTROLS, needs_pdf, pages, pdf_text

NUMBER = "+4570203040"
SHOWN = "+45 70 20 30 40"  # grouped as people write it
PAIRS = [("da", "en"), ("de", "pl"), ("uk", "ar")]
FONTS = Path("/usr/share/fonts/truetype/noto")


@pytest.fixture
def faelles(tmp_path, monkeypatch):
    monkeypatch.setenv("FAELLES_DB", str(tmp_path / "poster.db"))
    monkeypatch.setenv("FAELLES_LOCALE", "en")
    monkeypatch.setenv("FAELLES_SMS_NUMBER", NUMBER)
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, list(args))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run("init", "--demo")
    return run


def words(path: Path) -> list[tuple[str, float]]:
    """Return each word pdftotext finds with the height of its box, in points."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                           text=True, check=True).stdout
    return [(BIDI_CONTROLS.sub("", word), float(y1) - float(y0)) for y0, y1, word in
            re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>', boxes)]


def point_size(height: float, word: str) -> float:
    """Return the font size a word's box height means, from its font's ascent and descent."""
    from fontTools.ttLib import TTFont

    if not FONTS.is_dir():
        pytest.skip("fonts-noto-core is not installed: the poster's font sizes cannot be read")
    arabic = any("\u0600" <= char <= "\u06ff" for char in word)
    font = TTFont(FONTS / ("NotoSansArabic-Bold.ttf" if arabic else "NotoSans-Bold.ttf"))
    head, hhea = font["head"], font["hhea"]
    return height * head.unitsPerEm / (hhea.ascent - hhea.descent)


@needs_pdf
@pytest.mark.parametrize("languages", PAIRS, ids="+".join)
@pytest.mark.parametrize("code", ["STRIK", None], ids=["community", "general"])
def test_the_poster_says_what_to_text_in_each_language(faelles, tmp_path, code, languages):
    path = tmp_path / "poster.pdf"
    options = [option for language in languages for option in ("--language", language)]
    faelles("poster", *([code] if code else []), *options, "-o", str(path))
    assert pages(path) == 1
    text = " ".join(BIDI_CONTROLS.sub("", pdf_text(path, layout=False)).split())
    assert text.count(SHOWN) == len(languages)
    found = words(path)
    for language in languages:
        keyword = words_to_text("join" if code else "help", language)
        assert keyword in text, (language, keyword)
        # The words to text are at least 60 pt: readable from across the room.
        # pdftotext gives an Arabic word's letters in the order they are drawn.
        sizes = [point_size(height, word) for word, height in found
                 if word in (keyword, keyword[::-1])]
        assert sizes and min(sizes) >= 59.5, (language, keyword, sizes)
    if code:
        assert "STRIK" in text
    else:  # the four things anyone can text, in each language's words
        for language in languages:
            for intent in ("offer", "communities", "need", "ide"):
                assert words_to_text(intent, language).split()[0] in text, (language, intent)


@needs_pdf
@pytest.mark.parametrize("language", ["da", "ar"])
def test_one_language_fills_one_page(faelles, tmp_path, language):
    path = tmp_path / "poster.pdf"
    faelles("poster", "FODSLAW", "--language", language, "-o", str(path))
    assert pages(path) == 1


def test_the_qr_code_opens_the_sms_app_with_the_text_written():
    assert sms_link(NUMBER, "DELTAG STRIK") == "sms:+4570203040?body=DELTAG%20STRIK"
    link = sms_link("70 20 30 40", "انضم STRIK")
    assert link.startswith("sms:+4570203040?body=") and unquote(link).endswith("انضم STRIK")
    html = poster_html(Poster(number=NUMBER, languages=("da", "uk")))
    # One code per language, beside the words, which stay on the page.
    assert html.count("<svg") == 2 and "ДОПОМОГА" in html and "HJÆLP" in html


def test_a_second_language_repeats_only_its_own_words(demo_db, now):
    poster = poster_for(demo_db, "STRIK", ("da", "uk"), number=NUMBER, now=now)
    danish, ukrainian = poster.sides["da"], poster.sides["uk"]
    assert danish.name == ukrainian.name == "Strikkecafé"  # nobody wrote one in Ukrainian
    assert ukrainian.description == ""  # Danish prose helps no one reading Ukrainian
    html = poster_html(poster)
    assert html.count("Strikkecafé") == 2  # the heading once, and the page title


def test_a_weekly_meeting_in_each_languages_words(db, now):
    create_community(db, code="SANG", town="Munkebo", now=now,
                     texts={"da": {"name": "Sangkor"}})
    set_meeting(db, "SANG", starts_at=now.replace(hour=13), weekly=True, place="Kirken",
                now=now)
    poster = poster_for(db, "SANG", ("da", "uk"), number=NUMBER, now=now)
    assert "fredag" in poster.sides["da"].when  # 27 November 2026 is a Friday
    assert "ятниц" in poster.sides["uk"].when  # п'ятниця, whichever apostrophe CLDR uses
    assert poster.sides["da"].next_meeting is None  # a weekly one needs no date


def test_no_poster_without_a_number_or_for_a_closed_community(db, now, community):
    with pytest.raises(PosterRefused):
        poster_for(db, community, ("da",), number=None, now=now)
    set_community_status(db, community, "paused", now=now)
    with pytest.raises(PosterRefused) as refused:
        poster_for(db, community, ("da",), number=NUMBER, now=now)
    assert refused.value.values == {"code": "KAFFE"}


def test_the_command_refuses_kindly(faelles, tmp_path, monkeypatch):
    out = str(tmp_path / "p.pdf")
    assert "no community with the code NOPE" in faelles(
        "poster", "NOPE", "-o", out, ok=False).output
    assert faelles("poster", "--language", "da", "--language", "en", "--language", "uk",
                   "-o", out, ok=False).exit_code == 2
    monkeypatch.delenv("FAELLES_SMS_NUMBER")
    monkeypatch.delenv("TWILIO_FROM", raising=False)
    assert "FAELLES_SMS_NUMBER" in faelles("poster", "-o", out, ok=False).output

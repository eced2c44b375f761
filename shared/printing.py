"""Self-contained HTML pages and the PDF made from them (WeasyPrint), for the report and posters.

A page names only fonts Debian installs (fonts-dejavu-core, fonts-noto-core)
and loads nothing: no stylesheet, image or font from anywhere, so the HTML file
is the whole report and the PDF comes out the same on a machine offline.
WeasyPrint lays out the HTML text itself (Pango and HarfBuzz): Arabic letters
are joined and right-to-left lines run the right way.
"""

from __future__ import annotations

import logging
from html import escape

from shared.errors import FaellesError
from shared.i18n import DEFAULT_LOCALE, N_

RIGHT_TO_LEFT = ("ar",)
# Noto Sans Arabic first for Arabic pages: DejaVu's Arabic letters are fewer and plainer.
_FONTS = '"DejaVu Sans", "Noto Sans", "Noto Sans Arabic", sans-serif'
_ARABIC_FONTS = '"Noto Sans Arabic", "DejaVu Sans", "Noto Sans", sans-serif'


def direction(locale: str) -> str:
    """Return the writing direction of the locale's pages: 'rtl' or 'ltr'."""
    return "rtl" if locale.split("_")[0] in RIGHT_TO_LEFT else "ltr"


def fonts(locale: str) -> str:
    """Return the CSS font-family list for a page in the locale."""
    return _ARABIC_FONTS if direction(locale) == "rtl" else _FONTS


def document(*, title: str, body: str, css: str, locale: str = DEFAULT_LOCALE) -> str:
    """Return a whole HTML page: the body (already HTML) under a title, styled by css."""
    return (f'<!DOCTYPE html>\n<html lang="{escape(locale)}" dir="{direction(locale)}">\n'
            f'<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<style>\n{css}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


NO_PANGO = N_("PDFs need Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
               "(an .html report needs nothing).")


class PdfUnavailable(FaellesError):
    """WeasyPrint cannot run here: Debian's Pango libraries are missing."""


def pdf_from_html(html: str) -> bytes:
    """Return the page as a PDF; the page may load nothing from files or the network."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint loads Pango with ctypes when imported
        raise PdfUnavailable(NO_PANGO) from exc

    # WeasyPrint reads the style="fill: ..." of inline SVG (matplotlib's) as page
    # CSS too, warns once per property it does not know, then draws the SVG right;
    # and it logs each step. Its errors still show.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html, url_fetcher=_load_nothing).write_pdf()


def _load_nothing(url: str, *args, **kwargs):
    raise ValueError(f"A printed page loads nothing, not {url[:60]}")

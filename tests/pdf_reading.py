"""Reading PDFs back for the report's and the posters' tests: poppler's pdftotext and pdfinfo."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest


def pdf_tools_missing() -> str | None:
    """Return why PDFs cannot be made and read back here, or None."""
    if shutil.which("pdftotext") is None:
        return "poppler-utils (pdftotext) is not installed"
    try:
        import weasyprint  # noqa: F401
    except OSError:  # WeasyPrint loads Pango when imported
        return "WeasyPrint needs Debian's libpango-1.0-0 and libpangoft2-1.0-0"
    return None


MISSING = pdf_tools_missing()
needs_pdf = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


# pdftotext marks right-to-left runs with bidi embeddings; the words are what count.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def pdf_text(path, *, layout: bool = True) -> str:
    options = ["-layout"] if layout else []
    return BIDI_CONTROLS.sub("", subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True,
        check=True).stdout)


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))

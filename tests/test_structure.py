"""The shape the code keeps: small kiosk modules, colours from the theme."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KIOSK_MODULES = sorted((ROOT / "kiosk").rglob("*.py"))
MAX_LINES = 300
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b")


@pytest.mark.parametrize("path", KIOSK_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_kiosk_module_is_over_300_lines(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


@pytest.mark.parametrize("path", [p for p in KIOSK_MODULES if p.name != "theme.py"]
                         + sorted((ROOT / "kiosk").rglob("*.tcss")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_colours_come_from_the_theme(path):
    # The theme in kiosk/theme.py is the one place a colour is written down.
    assert HEX_COLOUR.findall(path.read_text()) == []

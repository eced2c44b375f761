"""The kiosk's browser page works offline: no web font from the internet."""

from __future__ import annotations

import shlex

from kiosk.web import kiosk_command, offline_templates


def test_the_page_template_has_no_third_party_font(tmp_path):
    page = (offline_templates(tmp_path) / "app_index.html").read_text()
    assert "googleapis" not in page
    assert "xterm.css" in page  # the rest of textual-serve's page is still there


def test_each_connection_runs_the_kiosk_at_its_location():
    command = shlex.split(kiosk_command("Rådhuset, Hans Schacksvej 4"))
    assert command[1:] == ["-m", "faelles", "kiosk", "--location",
                           "Rådhuset, Hans Schacksvej 4"]

"""Serve the kiosk to a browser with textual-serve (one kiosk process per connection)."""

from __future__ import annotations

import re
import shlex
import sys
import tempfile
from pathlib import Path

import textual_serve
from textual_serve.server import Server

# textual-serve's page fetches Roboto Mono from Google Fonts; a kiosk PC in a
# library may have no internet, and visitors' browsers should not call third
# parties. Serve the same page without that link (monospace fallback fonts).
_FONT_LINK = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*/>\s*", re.S)


def offline_templates(folder: Path) -> Path:
    """Write textual-serve's page template without the web-font link into folder."""
    source = Path(textual_serve.__file__).parent / "templates" / "app_index.html"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app_index.html").write_text(_FONT_LINK.sub("", source.read_text()))
    return folder


def kiosk_command(location: str | None) -> str:
    """Return the command textual-serve runs for each browser connection."""
    command = [sys.executable, "-m", "faelles", "kiosk"]
    if location:
        command += ["--location", location]
    return shlex.join(command)


def make_server(location: str | None, host: str, port: int, title: str = "Fælles") -> Server:
    """Return a textual-serve server for the kiosk. It has no login: bind it to
    localhost or put an authenticating proxy in front of it."""
    templates = offline_templates(Path(tempfile.mkdtemp(prefix="faelles-web-")))
    return Server(kiosk_command(location), host=host, port=port, title=title,
                  templates_path=templates)

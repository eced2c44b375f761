"""Keep the demo coordinator's PIN beside the demo database, for the kiosk to show."""

from __future__ import annotations

import os
from pathlib import Path

PIN_FILE = "demo-pin"
# The running demo's process id, beside its store: stop exactly that demo with
# kill -INT "$(cat var/demo.pid)", not every "faelles demo" on the machine.
DEMO_PID_FILE = "demo.pid"


def demo_pin_file(db_path: str) -> Path:
    """Return where the demo PIN is kept for a store: demo-pin next to it, e.g. var/demo-pin."""
    return Path(db_path).parent / PIN_FILE


def save_demo_pin(path: Path, pin: str) -> None:
    """Write the PIN to path, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        os.fchmod(file.fileno(), 0o600)  # a file that was already there keeps its mode
        file.write(f"{pin}\n")


def read_demo_pin(path: Path) -> str | None:
    """Return the PIN kept at path, or None when there is none."""
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (FileNotFoundError, UnicodeDecodeError):
        return None

"""Where the `faelles` commands log: standard error, or a file while a TUI owns the terminal."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from shared.db import create_private
from shared.sms_text import clean_characters

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
LOG_FILE = "faelles.log"


def log_file_beside(db_path: str) -> Path:
    """Return the log file for a store: faelles.log next to the database, e.g. var/faelles.log."""
    return Path(db_path).parent / LOG_FILE


def configure_logging(verbose: bool, log_file: Path | None = None) -> None:
    """Send log records to standard error, or only to log_file when one is given."""
    # A StreamHandler keeps the real stderr it was given: while Textual draws the
    # kiosk, every record written there lands on the screen. So a command that
    # runs a TUI swaps our handler for a file before it starts.
    root = logging.getLogger()
    previous_level = stop_logging()
    if log_file is None:
        handler = logging.StreamHandler(sys.stderr)
        if not sys.stderr.isatty():
            handler.addFilter(without_colour)
    else:
        # Many kiosk processes write this one file, so none of them may rotate it
        # (each would rename the others' file away): logrotate moves it aside
        # (deploy/logrotate/faelles) and each process reopens the file by name
        # at its next record, as WatchedFileHandler does when the file is gone.
        handler = PrivateWatchedFileHandler(create_private(log_file), encoding="utf-8")
        handler.addFilter(without_colour)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.faelles_previous_level = previous_level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


def without_colour(record: logging.LogRecord) -> bool:
    """Drop the colour codes some loggers put in their messages (werkzeug's, always)."""
    # A log going to a file (var/gateway.log) would otherwise hold raw ESC [ 32 m.
    message = record.getMessage()
    plain = clean_characters(message)
    if plain != message:
        record.msg, record.args = plain, None
    return True


class PrivateWatchedFileHandler(logging.handlers.WatchedFileHandler):
    """A WatchedFileHandler whose new file, after a rotation, is its owner's only."""

    def _open(self):
        create_private(Path(self.baseFilename))
        return super()._open()


def stop_logging() -> int:
    """Remove the handler configure_logging added, restore the level; return that level."""
    root = logging.getLogger()
    level = root.level
    for handler in [h for h in root.handlers if hasattr(h, "faelles_previous_level")]:
        level = handler.faelles_previous_level
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    return level

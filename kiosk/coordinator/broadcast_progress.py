"""How far a broadcast has got: a bar and counts per status, refreshed every second."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import ProgressBar, Static

from kiosk.screens.base import literal
from shared.broadcasts import broadcast_progress, quiet_hours_end
from shared.clock import utcnow

REFRESH_S = 1.0


class BroadcastProgress(Vertical):
    """Follow one broadcast until none of its messages is queued or sending."""

    DEFAULT_CSS = """
    BroadcastProgress { height: auto; display: none; padding: 0 1;
                        border-top: solid $accent; }
    BroadcastProgress.following { display: block; }
    BroadcastProgress Static { height: auto; }
    """

    def __init__(self, **options):
        super().__init__(**options)
        self.broadcast_id: int | None = None
        self.timer: Timer | None = None
        self.counts: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="broadcast-title", markup=False)
        yield ProgressBar(id="broadcast-bar", show_eta=False)
        yield Static("", id="broadcast-counts", markup=False)

    def follow(self, broadcast_id: int, title: str) -> None:
        """Show the broadcast's progress from now on, in place of any earlier one."""
        self.broadcast_id = broadcast_id
        self.query_one("#broadcast-title", Static).update(literal(title))
        self.add_class("following")
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.set_interval(REFRESH_S, self.refresh_counts)
        self.refresh_counts()

    def refresh_counts(self) -> None:
        if self.broadcast_id is not None:
            self.count(self.broadcast_id)

    @work(thread=True, exit_on_error=False, exclusive=True, group="progress")
    def count(self, broadcast_id: int) -> None:
        with self.app.store() as db:
            counts = broadcast_progress(db, broadcast_id)
        self.app.call_from_thread(self.show_counts, counts)

    def show_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.query_one("#broadcast-bar", ProgressBar).update(total=counts["total"] or 1,
                                                             progress=counts["done"])
        _ = self.app._
        text = _("Queued {queued} · sending {sending} · sent {sent} · delivered {delivered}"
                 " · failed {failed}").format(**counts)
        in_hand = counts["queued"] + counts["sending"]
        settings = self.app.settings
        held_until = quiet_hours_end(utcnow(), settings.quiet_start, settings.quiet_end)
        if in_hand and held_until is not None:
            text += "\n" + _("Quiet hours: it will be sent from {time}.").format(
                time=held_until.strftime("%H:%M"))
        elif not in_hand:
            text += "\n" + _("All handed over to the SMS provider.")
        self.query_one("#broadcast-counts", Static).update(text)
        if not in_hand and self.timer is not None:
            # Nothing left to send; delivery reports that come later are not followed.
            self.timer.stop()
            self.timer = None

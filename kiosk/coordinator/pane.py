"""The shape of every coordinator pane: a list of records, the highlighted one's details.

A pane says what to fetch (in a worker, on the kiosk's connection), how a row
looks and what its details say; the coordinator service decides everything else.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static, Tabs
from textual.worker import get_current_worker

from kiosk.widgets.cells import recut
from shared.errors import FaellesError

# Long enough to read a line twice; the line takes a row from the list meanwhile.
STATUS_SECONDS = 12.0


class ListPane(Vertical):
    """A table over one kind of record with a details box under it."""

    DEFAULT_CSS = """
    ListPane { height: 1fr; }
    ListPane .bar { height: auto; }
    ListPane .count { height: 1; padding: 0 1; }
    ListPane DataTable { height: 1fr; min-height: 3; }
    ListPane .pane-status { display: none; height: auto; padding: 0 1; text-style: bold;
                            background: $primary; color: $foreground; }
    ListPane .pane-status.-shown { display: block; }
    ListPane .pane-status.-warning { color: $warning; }
    ListPane .detail-box { height: 40%; min-height: 3; border-top: solid $accent; padding: 0 1; }
    """
    COLUMNS: tuple[str, ...] = ()  # msgids of the column headings
    KEY_HELP = ""  # msgid: this pane's keys, shown on the screen's help line
    TABLE_ID = ""  # the table's id; PANE-table when not given
    # The column that gets what the others leave, cut with "…", so a row never
    # runs past the right edge (80 columns included).
    FLEX_COLUMN = -1

    def __init__(self, *, id: str):
        super().__init__(id=id)
        self.items: list[dict] = []
        self.status_timer = None

    # -- what a pane fills in ----------------------------------------------------

    def compose_bar(self) -> ComposeResult:
        """Yield what stands above the table (filters, a count)."""
        yield from ()

    def fetch(self, db) -> list[dict]:
        """Return the records to list; runs in a worker thread."""
        raise NotImplementedError

    def fetch_details(self, db, item: dict) -> dict:
        """Return what the details need beyond the row; runs in a worker thread."""
        return {}

    def cells(self, item: dict) -> list:
        raise NotImplementedError

    def details(self, item: dict, extra: dict) -> Content:
        raise NotImplementedError

    def fit(self, rows: list[list[Text]]) -> list[list[Text]]:
        """Cut the flexible column of every row to what the other columns leave."""
        if not rows:
            return rows
        flex = self.FLEX_COLUMN % len(rows[0])
        labels = [Text(self.app._(label)) for label in self.COLUMNS]
        others = sum(max(cell.cell_len for cell in column)
                     for index, column in enumerate(zip(labels, *rows)) if index != flex)
        # Each column has one cell of padding on each side; the scrollbar takes two.
        room = (self.size.width or self.app.size.width) - others - 2 * len(labels) - 2
        for row in rows:
            row[flex] = recut(row[flex], max(8, room))
        return rows

    def on_resize(self) -> None:
        if self.items:  # cut the text again for the new width; no database work
            self.fill(self.items, self.current_id(), self.table.cursor_row)

    def row_key(self, item: dict) -> str:
        return str(item["id"])

    def empty_text(self) -> str | Content:
        return ""

    def listed(self) -> None:
        """Called after the table is filled (update a count, say)."""

    # -- the list ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        _ = self.app._
        yield from self.compose_bar()
        table = DataTable(id=self.TABLE_ID or f"{self.id.removesuffix('-pane')}-table",
                          cursor_type="row", zebra_stripes=True)
        for label in self.COLUMNS:
            table.add_column(_(label))
        yield table
        # What the last action did, over the details rather than a notification on
        # them: at 80x24 a toast covered the details for seconds.
        yield Static("", id=f"{self.id.removesuffix('-pane')}-notice", classes="pane-status",
                     markup=False)
        with VerticalScroll(classes="detail-box", can_focus=False):
            yield Static("", id=f"{self.id.removesuffix('-pane')}-detail", classes="detail")

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    @property
    def coordinator_id(self) -> int:
        return self.screen.coordinator_id

    def focus_home(self) -> None:
        """Focus the list, where this pane's keys act."""
        self.table.focus()

    def on_show(self) -> None:
        # Fresh records each time the tab opens; the cursor stays where it was.
        self.reload(keep=self.current_id())
        focused = self.screen.focused
        # Someone on the tab bar is switching tabs with the arrow keys: leave them there.
        if focused is None or not (isinstance(focused, Tabs) or self in focused.ancestors):
            self.table.focus()

    def action_reload(self) -> None:
        self.reload(keep=self.current_id())

    def reload(self, keep: int | None = None) -> None:
        """Fetch the records again, keeping the cursor on keep or at its row."""
        self.load(keep, self.table.cursor_row)

    @work(thread=True, exit_on_error=False, exclusive=True, group="list")
    def load(self, keep, index: int) -> None:
        with self.app.store() as db:
            items = self.fetch(db)
        if not get_current_worker().is_cancelled:  # a newer load replaced this one
            self.app.call_from_thread(self.fill, items, keep, index)

    def fill(self, items: list[dict], keep, index: int) -> None:
        table = self.table
        self.items = items
        table.clear()
        for item, cells in zip(items, self.fit([self.cells(item) for item in items])):
            table.add_row(*cells, key=self.row_key(item))
        ids = [item["id"] for item in items]
        if ids:
            table.move_cursor(row=ids.index(keep) if keep in ids
                              else max(0, min(index, len(ids) - 1)))
        self.listed()
        self.show_details()

    def current(self) -> dict | None:
        row = self.table.cursor_row
        if not self.items or not 0 <= row < len(self.items):
            return None
        return self.items[row]

    def current_id(self):
        item = self.current()
        return item["id"] if item else None

    # -- details -----------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def show_details(self) -> None:
        item = self.current()
        if item is None:
            self.query_one(".detail", Static).update(self.empty_text())
            return
        self.load_details(item)

    @work(thread=True, exit_on_error=False, exclusive=True, group="details")
    def load_details(self, item: dict) -> None:
        with self.app.store() as db:
            extra = self.fetch_details(db, item)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_item, item, extra)

    def show_item(self, item: dict, extra: dict) -> None:
        if self.current_id() == item["id"]:  # the cursor may have moved on meanwhile
            self.query_one(".detail", Static).update(self.details(item, extra))

    # -- acting through the service ----------------------------------------------

    def act(self, call: Callable, done: Callable, failed: Callable[[FaellesError], None]) -> None:
        """Run call(db) in a worker; then done(result) or failed(error) on the UI thread."""
        self.run_service(call, done, failed)

    @work(thread=True, exit_on_error=False, group="act")
    def run_service(self, call: Callable, done: Callable, failed: Callable) -> None:
        try:
            with self.app.store() as db:
                result = call(db)
        except FaellesError as error:
            self.app.call_from_thread(failed, error)
            return
        self.app.call_from_thread(done, result)

    def tell(self, message: str, severity: str = "information") -> None:
        """Say what happened on the pane's status line, for a while."""
        status = self.query_one(".pane-status", Static)
        # markup=False: messages may carry citizens' or coordinators' text.
        status.update(message)
        status.set_class(True, "-shown")
        status.set_class(severity != "information", "-warning")
        if self.status_timer is not None:
            self.status_timer.stop()
        self.status_timer = self.set_timer(STATUS_SECONDS, self.clear_status)

    def clear_status(self) -> None:
        self.query_one(".pane-status", Static).set_class(False, "-shown")

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble in Textual 8: hand it to the app,
        # which tells the coordinator kindly that something went wrong.
        self.app.on_worker_state_changed(event)

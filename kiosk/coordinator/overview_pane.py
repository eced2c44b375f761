"""Overview: people, offers, feedback, joins, needs and introductions per week; the queues; the report."""

from __future__ import annotations

from datetime import timedelta

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Sparkline, Static, Tabs

from kiosk.screens.base import literal
from shared.clock import utcnow
from shared.export_files import exports_folder
from shared.i18n import N_, format_when
from shared.report_figures import (
    ACTIVITY_KINDS, ALL, Activity, channels_of, weekly_activity, weekly_people,
)
from shared.report_periods import WEEKS
from shared.stats import Queue, new_feedback, pending_offers, waiting_needs
from shared.verification import CodeUsage, code_usage

# The same weekly figures as the monthly report's, people first.
KINDS = ("people", *ACTIVITY_KINDS)
# One line per kind and channel; the msgids are translated when drawn.
SERIES = {
    ("people", "sms"): N_("People who texted"),
    ("people", "kiosk"): N_("Kiosk visits"),
    ("offers", "sms"): N_("Offers (SMS)"),
    ("offers", "kiosk"): N_("Offers (kiosk)"),
    ("feedback", "sms"): N_("Feedback (SMS)"),
    ("feedback", "kiosk"): N_("Feedback (kiosk)"),
    ("joins", "sms"): N_("Joins (SMS)"),
    ("joins", "kiosk"): N_("Joins (kiosk)"),
    ("needs", "sms"): N_("Needs (SMS)"),
    ("needs", "kiosk"): N_("Needs (kiosk)"),
    ("introductions", ALL): N_("Introductions"),
    ("needs_met", ALL): N_("Needs met"),
}
NUMBER_WIDTH = 4  # each week's count takes this many columns, right-aligned


def numbers(values) -> str:
    return "".join(f"{value:>{NUMBER_WIDTH}}" for value in values)


class OverviewPane(VerticalScroll):
    """What came in over the last weeks, and how long the oldest work has waited."""

    BINDINGS = [Binding("g", "refresh_overview", "Refresh", show=False),
                Binding("s", "save_report", show=False)]
    KEY_HELP = N_("g count again · s save last month's report (PDF) · ↑↓ scroll")
    DEFAULT_CSS = """
    /* TabPane is height: auto in Textual 8: grow with the lines, scroll past a share. */
    OverviewPane { height: 1fr; padding: 0 1; }
    OverviewPane .series { height: 1; }
    OverviewPane Sparkline { width: 16; margin: 0 2 0 0; }
    /* The theme's primary is dark blue, which hardly shows on black: the bars take
       the accent, and the quiet weeks a dimmer accent that still reads. */
    OverviewPane Sparkline > .sparkline--max-color { color: $accent; }
    OverviewPane Sparkline > .sparkline--min-color { color: $accent 50%; }
    OverviewPane .spark-gap { width: 18; }
    OverviewPane .heading { text-style: bold; color: $accent; padding: 1 0 0 0; }
    OverviewPane .places { color: $foreground-muted; }
    OverviewPane #codes-warning { color: $warning; text-style: bold; }
    OverviewPane #overview-buttons { height: auto; margin: 1 0 0 0; }
    OverviewPane #overview-buttons Button { margin: 0 2 0 0; }
    """

    def __init__(self):
        super().__init__(id="overview")
        self.saving = False

    def compose(self) -> ComposeResult:
        _ = self.app._
        # As wide as the longest name in this language, so none is cut ("Nye
        # medlemmer (kiosk)" lost its channel at a fixed 20) and the bars line up.
        names = [_("ISO week"), *(_(name) for name in SERIES.values())]
        width = max(map(cell_len, names)) + 1
        yield Static("", id="overview-updated", classes="heading", markup=False)
        with Horizontal(classes="series"):
            yield self.series_name(names[0], width)
            yield Static("", classes="spark-gap", markup=False)
            yield Static("", id="overview-weeks", markup=False)
        for kind in KINDS:
            for channel in channels_of(kind):
                with Horizontal(classes="series"):
                    yield self.series_name(_(SERIES[kind, channel]), width)
                    yield Sparkline([], id=f"spark-{kind}-{channel}")
                    yield Static("", id=f"numbers-{kind}-{channel}", markup=False)
            # Only what comes by a channel can come from a kiosk.
            if ALL not in channels_of(kind):
                yield Static("", id=f"places-{kind}", classes="places", markup=False)
        yield Static(_("Waiting now"), classes="heading", markup=False)
        yield Static("", id="queue-offers", markup=False)
        yield Static("", id="queue-feedback", markup=False)
        yield Static("", id="queue-needs", markup=False)
        yield Static("", id="codes-usage", markup=False)
        yield Static("", id="codes-warning", markup=False)
        with Horizontal(id="overview-buttons"):
            yield Button(_("Refresh (g)"), id="overview-refresh", compact=True)
            # A button as well as the key: a kiosk may have a touch screen and no keyboard.
            yield Button(_("Save report (s)"), id="overview-save", compact=True)

    @staticmethod
    def series_name(name: str, width: int) -> Static:
        shown = Static(name, classes="series-name", markup=False)
        shown.styles.width = width
        return shown

    def on_show(self) -> None:
        # Counted when the tab opens, not at login: nobody waits for unseen numbers.
        self.action_refresh_overview()
        focused = self.screen.focused
        # Someone on the tab bar is switching tabs with the arrow keys: leave them there.
        if focused is None or not (isinstance(focused, Tabs) or self in focused.ancestors):
            self.focus()

    def focus_home(self) -> None:
        self.focus()

    @on(Button.Pressed, "#overview-refresh")
    def action_refresh_overview(self) -> None:
        self.count()

    @work(thread=True, exit_on_error=False, exclusive=True, group="overview")
    def count(self) -> None:
        now = utcnow()
        with self.app.store() as db:
            activity = {"people": weekly_people(db, now=now, weeks=WEEKS)}
            activity.update({kind: weekly_activity(db, kind, now=now, weeks=WEEKS)
                             for kind in ACTIVITY_KINDS})
            queues = (pending_offers(db, now=now), new_feedback(db, now=now),
                      waiting_needs(db, now=now))
            codes = code_usage(db, now=now)
        self.app.call_from_thread(self.show_counts, now, activity, *queues, codes)

    def show_counts(self, now, activity: dict[str, Activity], offers: Queue,
                    feedback: Queue, needs: Queue, codes: CodeUsage) -> None:
        _ = self.app._
        self.query_one("#overview-updated", Static).update(
            _("The last {weeks} weeks, counted {when}").format(
                weeks=WEEKS, when=format_when(now, self.app.locale, "short")))
        first = next(iter(activity.values()))
        self.query_one("#overview-weeks", Static).update(numbers(first.week_numbers))
        for kind, counts in activity.items():
            for channel in channels_of(kind):
                self.query_one(f"#spark-{kind}-{channel}", Sparkline).data = \
                    counts.by_channel[channel]
                self.query_one(f"#numbers-{kind}-{channel}", Static).update(
                    numbers(counts.by_channel[channel]))
            if ALL not in channels_of(kind):
                self.query_one(f"#places-{kind}", Static).update(literal(self.places(counts)))
        self.query_one("#queue-offers", Static).update(self.queue_line(
            offers, _("No offers are waiting."),
            self.app.ngettext("Oldest offer waiting: {age}; median {median}; {n} waiting",
                              "Oldest offer waiting: {age}; median {median}; {n} waiting",
                              offers.count)))
        self.query_one("#queue-feedback", Static).update(self.queue_line(
            feedback, _("No new feedback."),
            self.app.ngettext("Oldest new feedback: {age}; median {median}; {n} new",
                              "Oldest new feedback: {age}; median {median}; {n} new",
                              feedback.count)))
        self.query_one("#queue-needs", Static).update(self.queue_line(
            needs, _("No need is waiting for an introduction."),
            self.app.ngettext("Oldest need not yet introduced: {age}; median {median}; "
                              "{n} waiting",
                              "Oldest need not yet introduced: {age}; median {median}; "
                              "{n} waiting", needs.count)))
        self.show_codes(codes)

    def show_codes(self, codes: CodeUsage) -> None:
        """Say how many SMS codes the kiosks sent this hour, and warn near the cap."""
        _ = self.app._
        self.query_one("#codes-usage", Static).update(
            _("Verification codes: {sent} of {cap} in the last hour").format(
                sent=codes.sent, cap=codes.cap))
        warning = ""
        if codes.full:
            warning = _("No codes are left: visitors cannot join at a kiosk until {when}.").format(
                when=format_when(codes.frees_at, self.app.locale, "short"))
        elif codes.near:
            warning = _("Few codes are left this hour: joining at a kiosk may stop soon.")
        self.query_one("#codes-warning", Static).update(warning)

    def places(self, activity: Activity) -> str:
        _ = self.app._
        if not activity.by_location:
            return _("At the kiosks: none")
        unknown = _("unknown place")
        listed = " · ".join(f"{place or unknown}: {n}"
                           for place, n in activity.by_location.items())
        return _("At the kiosks: {places}").format(places=listed)

    def queue_line(self, queue: Queue, empty: str, template: str) -> str:
        if not queue.count:
            return empty
        return template.format(age=self.age(queue.oldest), median=self.age(queue.median),
                               n=queue.count)

    def age(self, age: timedelta) -> str:
        ngettext = self.app.ngettext
        if age >= timedelta(days=1):
            return ngettext("{n} day", "{n} days", age.days).format(n=age.days)
        hours = int(age.total_seconds() // 3600)
        if hours:
            return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
        return self.app._("under an hour")

    @on(Button.Pressed, "#overview-save")
    def action_save_report(self) -> None:
        if self.saving:  # a second press while it is made would make a second file
            return
        self.saving = True
        self.app.notify(self.app._("Making last month's report: this takes a few seconds."),
                        markup=False)
        self.save_report(self.screen.coordinator_id, self.app.locale)

    @work(thread=True, exit_on_error=False, group="report")
    def save_report(self, coordinator_id: int, language: str) -> None:
        # Imported here: matplotlib and WeasyPrint take a second to load, and only
        # a coordinator who saves a report needs them.
        from shared.printing import PdfUnavailable
        from shared.services.publishing import last_month, report_pdf, save_report

        try:
            with self.app.store() as db:
                report = last_month(db, language=language, now=utcnow())
            # Drawn without the store: the other tabs' lists load meanwhile.
            try:
                pdf = report_pdf(report, language=language)
            except PdfUnavailable as exc:
                self.app.call_from_thread(self.app.notify, self.app._(str(exc)),
                                          severity="warning", markup=False)
                return
            with self.app.store() as db:
                path = save_report(db, report, pdf, exports_folder(self.app.db_path),
                                   coordinator_id=coordinator_id, now=utcnow())
        finally:
            self.saving = False
        self.app.call_from_thread(
            self.app.notify, self.app._("Report saved: {path}").format(path=path),
            markup=False)

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble: let the app report a failure kindly.
        self.app.on_worker_state_changed(event)

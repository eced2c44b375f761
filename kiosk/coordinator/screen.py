"""Coordinator mode: one screen with a numbered tab per kind of work, and a line of keys."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Static, TabbedContent, TabPane

from kiosk.screens.base import literal
from shared.digits import digit_forms
from shared.i18n import N_

# Needs came last, after coordinators had learnt 1-7: it is added at the end so
# every number they know still opens the tab it always did.
TABS = (("offers", N_("Offers")), ("feedback", N_("Feedback")), ("inbox", N_("Inbox")),
        ("communities", N_("Communities")), ("people", N_("People")),
        ("overview", N_("Overview")), ("audit", N_("Log")), ("needs", N_("Needs")))


class CoordinatorScreen(Screen):
    """Offers, feedback, the inbox, communities, people, overview, the audit log and needs."""

    CSS_PATH = "coordinator.tcss"
    BINDINGS = [Binding("ctrl+l", "logout", show=False),
                # Out of a field (the number in People, a filter) so the tab numbers work again.
                Binding("escape", "leave_field", show=False)] + [
        Binding(",".join(digit_forms(number)), f"tab('{name}')", show=False)
        for number, (name, _label) in enumerate(TABS, start=1)]

    def __init__(self, coordinator: dict):
        super().__init__(id="coordinator")
        self.coordinator = coordinator

    def compose(self) -> ComposeResult:
        from kiosk.coordinator.audit_pane import AuditPane
        from kiosk.coordinator.communities_pane import CommunitiesPane
        from kiosk.coordinator.feedback_pane import FeedbackPane
        from kiosk.coordinator.inbox_pane import InboxPane
        from kiosk.coordinator.needs_pane import NeedsPane
        from kiosk.coordinator.offers_pane import OffersPane
        from kiosk.coordinator.overview_pane import OverviewPane
        from kiosk.coordinator.people_pane import PeoplePane

        _ = self.app._
        where = self.app.location
        title = _("Coordinator: {name}").format(name=self.coordinator["name"])
        with Horizontal(id="title-bar"):
            yield Static(literal(f"{title} · {where}" if where else title),
                         id="coordinator-title")
            yield Button(_("Log out"), id="logout", compact=True)
        panes = (OffersPane, FeedbackPane, InboxPane, CommunitiesPane, PeoplePane, OverviewPane,
                 AuditPane, NeedsPane)
        with TabbedContent(id="tabs"):
            for number, ((name, label), pane) in enumerate(zip(TABS, panes), start=1):
                with TabPane(f"{number} {_(label)}", id=f"tab-{name}"):
                    yield pane()
        yield Static("", id="keys", markup=False)

    @property
    def coordinator_id(self) -> int:
        return self.coordinator["id"]

    def on_mount(self) -> None:
        self.show_keys()
        self.tell_of_failed_logins()

    def tell_of_failed_logins(self) -> None:
        """Say how many wrong PINs were tried on this name since the last login."""
        failed = self.coordinator.get("failed_since_login", 0)
        if not failed:
            return
        from kiosk.widgets.confirm import ConfirmDialog

        _ = self.app._
        lockouts = self.coordinator.get("lockouts_since_login", 0)
        details = self.app.ngettext(
            "The login was locked {count} time.", "The login was locked {count} times.",
            lockouts).format(count=lockouts) if lockouts else ""
        self.app.push_screen(ConfirmDialog(
            self.app.ngettext(
                "{count} wrong PIN was typed for your name since you last logged in.",
                "{count} wrong PINs were typed for your name since you last logged in.",
                failed).format(count=failed),
            _("OK"),
            details=" ".join(filter(None, [details, _(
                "If that was not you, tell the administrator.")])),
            notice=True))

    @on(TabbedContent.TabActivated)
    def show_keys(self) -> None:
        """Show the open tab's keys, and how to move between tabs and leave."""
        _ = self.app._
        pane = self.open_pane() if self.query_one(TabbedContent).active else None
        own = _(pane.KEY_HELP) if getattr(pane, "KEY_HELP", "") else ""
        common = _("1–{last} change tab · Esc leave a field · Ctrl+L log out").format(
            last=len(TABS))
        self.query_one("#keys", Static).update(f"{own}\n{common}" if own else common)

    def open_pane(self):
        tabs = self.query_one(TabbedContent)
        return tabs.get_pane(tabs.active).children[0]

    def action_leave_field(self) -> None:
        """Out of a field, back to the tab's list, where its keys and the tab numbers work."""
        self.open_pane().focus_home()

    def action_tab(self, name: str) -> None:
        # The new pane takes the focus when shown (its list, or People's number field).
        self.query_one(TabbedContent).active = f"tab-{name}"

    @on(Button.Pressed, "#logout")
    def action_logout(self) -> None:
        self.app.logout()

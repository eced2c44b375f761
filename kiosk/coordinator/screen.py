"""Coordinator mode: one screen with a tab per kind of work."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Static, TabbedContent, TabPane

from kiosk.screens.base import literal


class CoordinatorScreen(Screen):
    """Offers, feedback, communities, people, overview and the audit log."""

    BINDINGS = [Binding("ctrl+l", "logout", show=False)]

    def __init__(self, coordinator: dict):
        super().__init__(id="coordinator")
        self.coordinator = coordinator

    def compose(self) -> ComposeResult:
        from kiosk.coordinator.audit_pane import AuditPane
        from kiosk.coordinator.communities_pane import CommunitiesPane
        from kiosk.coordinator.feedback_pane import FeedbackPane
        from kiosk.coordinator.offers_pane import OffersPane
        from kiosk.coordinator.overview_pane import OverviewPane
        from kiosk.coordinator.people_pane import PeoplePane

        _ = self.app._
        with Horizontal(classes="title-bar"):
            yield Static(literal(_("Coordinator: {name}").format(name=self.coordinator["name"])),
                         classes="title")
            yield Button(_("Log out"), id="logout", classes="back")
        with TabbedContent(id="tabs"):
            with TabPane(_("Offers"), id="tab-offers"):
                yield OffersPane()
            with TabPane(_("Feedback"), id="tab-feedback"):
                yield FeedbackPane()
            with TabPane(_("Communities"), id="tab-communities"):
                yield CommunitiesPane()
            with TabPane(_("People"), id="tab-people"):
                yield PeoplePane()
            with TabPane(_("Overview"), id="tab-overview"):
                yield OverviewPane()
            with TabPane(_("Audit log"), id="tab-audit"):
                yield AuditPane()

    @property
    def coordinator_id(self) -> int:
        return self.coordinator["id"]

    @on(Button.Pressed, "#logout")
    def action_logout(self) -> None:
        self.app.logout()

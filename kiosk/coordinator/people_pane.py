"""Placeholder pane, replaced by its real implementation."""

from textual.widgets import Static


class PeoplePane(Static):
    def __init__(self):
        super().__init__("", markup=False)

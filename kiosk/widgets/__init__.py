"""Widgets and dialogs that more than one screen or pane uses, one per file."""

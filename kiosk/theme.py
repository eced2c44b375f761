"""The kiosk's colours, one theme for every screen and widget."""

from textual.theme import Theme

# High contrast by default: many visitors see poorly. Screens and widgets use
# these variables ($primary, $accent...) instead of copying colours.
KIOSK_THEME = Theme(
    name="faelles",
    primary="#003b73",     # title bars, dialogs, help lines
    secondary="#001a33",
    accent="#ffff66",      # headings, focus, borders
    error="#ff8080",
    warning="#ffcc66",
    success="#80ff80",
    foreground="#ffffff",
    background="#000000",
    surface="#001a33",
    panel="#003b73",
    dark=True,
    # Behind a question that cannot be undone (erase, archive).
    variables={"danger-background": "#3b0000"},
)

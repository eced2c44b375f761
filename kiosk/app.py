"""The kiosk app: hardened so a visitor can only reach the screens it offers."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from kiosk.rtl import DisplayText, is_rtl
from kiosk.theme import KIOSK_THEME  # noqa: F401  (also read from here)
from kiosk.speech import Narrator, Speaker
from shared.i18n import DEFAULT_LOCALE, available_locales, best_locale, translator
from shared.settings import Settings

# systemd, the browser kiosk's server, or a closed terminal or SSH session.
QUIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
# After this long without input a countdown warns; after RESET_AFTER the kiosk
# forgets everything entered and shows Home for the next visitor.
WARN_AFTER_S = 90.0
RESET_AFTER_S = 120.0
# Coordinator mode logs out by itself after three minutes without input.
COORDINATOR_LOGOUT_S = 180.0
# Large text in a browser: the kiosk moves the page to this fragment (textual-serve
# passes open_url on to the page), and the page sets its terminal's font size.
LARGE_TEXT_FRAGMENTS = {True: "#text-large", False: "#text-normal"}
# The same way the page learns the kiosk's language, for its <html lang>: a
# visitor's own screen reader then reads the terminal in the right voice.
LANGUAGE_FRAGMENT = "#lang={}"



# Large text (F2) in a terminal cannot make the letters bigger: the terminal's font
# decides. It makes the text bold and the buttons taller, with more room around
# the questions. The visitor's switches show heavy borders while they are on.
ACCESSIBILITY_CSS = """
KioskApp.-large-text Screen { text-style: bold; }
KioskApp.-large-text .choice, KioskApp.-large-text .tile, KioskApp.-large-text .face,
KioskApp.-large-text .primary, KioskApp.-large-text .small { height: 5; }
KioskApp.-large-text .tiles { grid-rows: 5; }
KioskApp.-large-text .question, KioskApp.-large-text .lead { padding: 1 0; }
KioskApp.-large-text #large-text, KioskApp.-reading-aloud #read-aloud {
    border: heavy $accent;
}
.access { min-width: 8; margin: 0 1; }
"""


class UIThreadDatabaseError(RuntimeError):
    """Database work was asked for on the UI thread, where it would freeze the screen."""


class KioskApp(App, inherit_bindings=False):
    """Fælles at a library or town hall: offer, join, give feedback."""

    CSS_PATH = "kiosk.tcss"
    CSS = ACCESSIBILITY_CSS
    TITLE = "Fælles"
    # No command palette, no text selection, no quit key: a visitor must not be
    # able to leave the kiosk or reach anything it does not offer.
    ENABLE_COMMAND_PALETTE = False
    # Refuse database work on the UI thread (see store()).
    strict_threads = True
    ALLOW_SELECT = False
    BINDINGS = [Binding("tab", "focus_next", show=False),
                Binding("shift+tab", "focus_previous", show=False),
                Binding("f2", "toggle_large_text", show=False),
                Binding("f3", "toggle_speech", show=False)]

    def __init__(self, *, db_path: str, location: str | None, locale: str,
                 settings: Settings, warn_after: float = WARN_AFTER_S,
                 reset_after: float = RESET_AFTER_S, open_coordinator: bool = False,
                 coordinator_logout: float = COORDINATOR_LOGOUT_S,
                 clock: Callable[[], float] = time.monotonic, demo_pin: str | None = None,
                 speech: bool = False, speaker: Speaker | None = None):
        super().__init__()
        self.register_theme(KIOSK_THEME)
        self.theme = KIOSK_THEME.name
        self.db_path = db_path
        self.location = location
        self.settings = settings
        self.locale = best_locale(locale)
        self.first_locale = self.locale
        self.set_class(is_rtl(self.locale), "-rtl")
        self.warn_after = warn_after
        self.reset_after = reset_after
        self.extra_time = 0.0  # "More time" on the warning adds to it, until start_over()
        self.open_coordinator = open_coordinator
        self.coordinator_logout = coordinator_logout
        self.coordinator: dict | None = None
        # Injected so tests can move time on instead of waiting for it.
        self.clock = clock
        self.last_input = clock()
        # Shown in the PIN dialog by `faelles demo`, so a newcomer can log in.
        self.demo_pin = demo_pin
        self._db = None
        self._db_lock = threading.Lock()
        # Speech as this kiosk starts (faelles kiosk --speech); each visitor may switch.
        self.narrator = Narrator(self, speaker or Speaker(), on=speech)
        self.large_text = False

    def _(self, message: str) -> str:
        """Translate a message into the kiosk's current language, ready to draw."""
        return self._drawn(translator(self.locale).gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._drawn(translator(self.locale).ngettext(singular, plural, n))

    def _drawn(self, text: str) -> str:
        # A terminal draws every line left to right: Arabic is put into the order
        # and joined letter forms the eye expects (kiosk/rtl.py).
        return DisplayText(text) if is_rtl(self.locale) else text

    @property
    def languages(self) -> tuple[str, ...]:
        return available_locales()

    @contextmanager
    def store(self) -> Iterator:
        """Lend a worker thread the kiosk's one connection to the store."""
        # Never on the UI thread: a query there freezes every key and touch.
        if self.strict_threads and threading.current_thread() is threading.main_thread():
            raise UIThreadDatabaseError("database work belongs in a worker thread")
        with self._db_lock:
            if self._db is None:
                # Imported here: sqlite-utils is the slowest import of all, and
                # Home needs no data, so the first screen appears without it.
                # Opened (and migrated) once per kiosk process.
                from shared.db import open_db

                self._db = open_db(self.db_path)
            yield self._db

    def on_unmount(self) -> None:
        for signum in QUIT_SIGNALS:
            asyncio.get_running_loop().remove_signal_handler(signum)
        self.narrator.speaker.stop()
        if self._db is not None:
            self._db.close()
            self._db = None

    def get_default_screen(self):
        """Start on Home itself rather than pushing it over an empty screen."""
        from kiosk.screens.home import HomeScreen

        return HomeScreen()

    def on_mount(self) -> None:
        self.set_interval(1.0, self.check_inactivity)
        self.narrator.start()
        if self.open_coordinator:
            self.call_after_refresh(self.action_ask_for_pin)
        # SIGTERM and SIGHUP end the kiosk as Ctrl-C does: Python's default would
        # leave the terminal in the alternate screen with mouse reporting on.
        for signum in QUIT_SIGNALS:
            asyncio.get_running_loop().add_signal_handler(signum, self.exit)
        self.tell_page_the_language()

    def tell_page_the_language(self) -> None:
        if self.is_web:  # kiosk/web_page/kiosk.js
            self.open_url(LANGUAGE_FRAGMENT.format(self.locale), new_tab=False)

    def action_ask_for_pin(self) -> None:
        """Open the PIN dialog; a right PIN opens coordinator mode."""
        from kiosk.coordinator.login import PinScreen

        self.push_screen(PinScreen(), self.logged_in)

    def logged_in(self, coordinator: dict | None) -> None:
        from kiosk.coordinator.screen import CoordinatorScreen

        if coordinator is None:
            return
        self.coordinator = coordinator
        self.push_screen(CoordinatorScreen(coordinator))

    def logout(self) -> None:
        """Leave coordinator mode for Home, audited."""
        from shared.clock import utcnow
        from shared.services.coordinator import log_out

        if self.coordinator is not None:
            coordinator_id = self.coordinator["id"]

            def audit_logout() -> None:
                with self.store() as db:
                    log_out(db, coordinator_id, now=utcnow())

            self.run_worker(audit_logout, thread=True, exit_on_error=False, group="logout")
        self.coordinator = None
        self.start_over()

    def on_event(self, event: events.Event):
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown,
                              events.MouseScrollUp, events.Paste)):
            self.last_input = self.clock()
            self.narrator.visitor_acted()
        return super().on_event(event)

    def check_inactivity(self) -> None:
        """Warn after a while without input, then start over for the next visitor."""
        from kiosk.screens.idle import IdleScreen

        if not self.screen_stack:  # the kiosk is ending: its screens are already gone
            return
        idle = self.clock() - self.last_input
        if self.coordinator is not None:
            if idle >= self.coordinator_logout:
                self.logout()
            return
        at_home = self.screen.id == "home" and len(self.screen_stack) == 1
        if at_home:
            # A visitor who chose another language (or large text) and left: the
            # next one finds the kiosk as it was set up.
            if idle >= self.reset_limit and not self.as_set_up():
                self.welcome_next_visitor()
            return
        if idle >= self.reset_limit:
            self.welcome_next_visitor()
        elif (idle >= self.warn_after + self.extra_time
              and not isinstance(self.screen, IdleScreen)):
            self.push_screen(IdleScreen(seconds_left=int(self.reset_limit - idle)))

    @property
    def reset_limit(self) -> float:
        """Seconds without input before the kiosk starts over, with any time asked for."""
        return self.reset_after + self.extra_time

    def as_set_up(self) -> bool:
        """Tell whether the kiosk is as the next visitor should find it."""
        return (self.locale == self.first_locale and not self.large_text
                and not self.narrator.switched)

    def welcome_next_visitor(self) -> None:
        """Start over in the kiosk's own language, speech as set up, large text off."""
        self.show_large_text(False)
        self.narrator.switch_back()
        self.start_over(self.first_locale)

    def start_over(self, locale: str | None = None) -> None:
        """Forget everything entered and show Home, fresh, for the next visitor."""
        if locale is not None and best_locale(locale) != self.locale:
            self.locale = best_locale(locale)
            self.set_class(is_rtl(self.locale), "-rtl")
            self.tell_page_the_language()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        # Home is the default screen and stays; rebuilding it shows the chosen
        # language and drops any focus or scroll a visitor left behind.
        self.screen.refresh(recompose=True)
        self.call_after_refresh(self.screen.focus_first)
        self.last_input = self.clock()
        self.extra_time = 0.0
        self.narrator.read_from_the_top()

    def action_toggle_large_text(self) -> None:
        """Switch large text on or off for this visitor (F2, or the button)."""
        self.show_large_text(not self.large_text)

    def show_large_text(self, on: bool) -> None:
        if on == self.large_text:
            return
        self.large_text = on
        self.set_class(on, "-large-text")
        if self.is_web:  # the page makes its letters bigger (kiosk/web.py)
            self.open_url(LARGE_TEXT_FRAGMENTS[on], new_tab=False)

    def action_toggle_speech(self) -> None:
        """Switch reading aloud on or off for this visitor (F3, or the button)."""
        self.narrator.switch(not self.narrator.on)

    def set_language(self, locale: str) -> None:
        """Show the kiosk in another language, starting from Home."""
        self.start_over(locale)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A failing save must never end the kiosk: tell the visitor kindly instead.
        if event.state == WorkerState.ERROR:
            self.log.error(f"worker {event.worker.name} failed: {event.worker.error!r}")
            # Into the log file too (never the terminal the kiosk draws on).
            logging.getLogger("faelles.kiosk").error(
                "worker %s failed", event.worker.name, exc_info=event.worker.error)
            self.notify(self._("Sorry, something went wrong. Please try again, or ask "
                               "the staff for help."), severity="error", markup=False)


def make_kiosk(db_path: str, location: str | None = None, locale: str = DEFAULT_LOCALE,
               settings: Settings | None = None, **options) -> KioskApp:
    """Build the kiosk for a store, a location and a starting language."""
    settings = settings or Settings(db_path=str(db_path))
    return KioskApp(db_path=str(db_path), location=location, locale=locale,
                    settings=settings, **options)

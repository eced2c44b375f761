"""Reading the kiosk aloud with espeak-ng: a self-service terminal may not count on the
visitor's own screen reader (EN 301 549). What to say and which voice are plain
functions, tested without a sound card; Speaker starts espeak-ng and never waits
for it (under --web, kiosk/page_speech.py has the page play it); Narrator decides."""

from __future__ import annotations

import logging
import shutil
import subprocess
import unicodedata
from typing import Callable, Iterable

log = logging.getLogger("faelles.kiosk")

# espeak-ng's names for a kiosk language's voices, best first. Danish English
# speakers know British English best; the rest have one voice each.
PREFERRED_VOICES = {"da": ("da",), "en": ("en-gb", "en", "en-us"), "de": ("de",),
                    "pl": ("pl",), "uk": ("uk",), "ar": ("ar",)}
# Words per minute: espeak-ng's 175 is quick for someone who hears poorly.
RATE = 150
# Arabic presentation forms: a translation joined and reordered for the terminal
# (kiosk/rtl.py) is made of these, and must be turned back before it is spoken.
_PRESENTATION_FORMS = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


# --- what to say ----------------------------------------------------------------------

def logical_text(text: str) -> str:
    """Return right-to-left text drawn for a terminal back in the order it is read."""
    if not any(low <= ord(char) <= high for char in text
               for low, high in _PRESENTATION_FORMS):
        return text
    from bidi import get_display

    # Each drawn line was reordered on its own (kiosk/rtl.py): undo them one by
    # one, then unjoin the letters (NFKC), which also splits lam-alef correctly.
    lines = [get_display(line.strip(), base_dir="R") for line in text.split("\n")]
    return unicodedata.normalize("NFKC", " ".join(line for line in lines if line))


def speakable(text: str | None) -> str:
    """Return a text as it should be spoken: in reading order, without arrows, on one line."""
    text = logical_text(getattr(text, "logical", None) or text or "")
    # "← Back" is read "left arrow back"; faces (emoji) keep their spoken names.
    kept = "".join(" " if unicodedata.category(char) == "Sm" else char for char in text)
    return " ".join(kept.split())


def utterance(parts: Iterable[str]) -> str:
    """Join what is to be said into one utterance, with a pause after each part."""
    said = [speakable(part) for part in parts]
    said = [part for part in said if part]
    return " ".join(part if part[-1] in ".?!:;,؟،" else part + "." for part in said)


def new_texts(before: list[str], now: list[str]) -> list[str]:
    """Return the texts shown now that were not shown before, in their order."""
    seen = set(before)
    return [text for text in now if text not in seen]


def focus_text(widget) -> str:
    """Return what names the focused widget: a label, an option, a field's hint."""
    from textual.widgets import Button, Input, OptionList, Select, Static

    if isinstance(widget, Button):
        return widget.label.plain
    if isinstance(widget, Input):
        return widget.placeholder
    if isinstance(widget, OptionList):
        option = widget.highlighted_option
        return _plain(option.prompt) if option else ""
    if isinstance(widget, Select):
        return _plain(widget.query_one("#label", Static).content)
    return ""  # a text area: the question above it says what to write


def _plain(value) -> str:
    return getattr(value, "logical", None) or getattr(value, "plain", None) or str(value)


def screen_texts(screen) -> list[str]:
    """Return the texts a screen shows now, in reading order (buttons and fields aside)."""
    from textual.widget import Widget
    from textual.widgets import Select, Static

    texts = []
    for static in screen.query(Static):
        nodes = [node for node in static.ancestors_with_self if isinstance(node, Widget)]
        if not all(node.display for node in nodes):
            continue  # a step not shown now
        if any(isinstance(node, Select) for node in nodes):
            continue  # a dropdown's choice: read when it has the focus
        text = speakable(_plain(static.content))
        if text:
            texts.append(text)
    return texts


# --- which voice, which command ----------------------------------------------------------

def parse_voices(listing: str) -> frozenset[str]:
    """Return the voice names in the output of `espeak-ng --voices`."""
    names = set()
    for line in listing.splitlines()[1:]:  # a header line first
        columns = line.split()
        if len(columns) >= 5:
            names.add(columns[1].lower())  # Language: da, en-gb, en-us...
            names.add(columns[4].split("/")[-1].lower())  # File: gmq/da, gmw/en...
    return frozenset(names)


def voice_for(locale: str, available: frozenset[str] | None = None) -> str | None:
    """Return the espeak-ng voice for a language among those available, or None.

    available None: not listed yet, assume the usual voices. A language without a
    voice is not read at all: another language's voice would make nonsense of it."""
    base = locale.replace("_", "-").split("-")[0].lower()
    candidates = [*PREFERRED_VOICES.get(base, ()), locale.replace("_", "-").lower(), base]
    if available is None:
        return candidates[0]
    for voice in candidates:
        if voice in available:
            return voice
    variants = sorted(voice for voice in available if voice.startswith(base + "-"))
    return variants[0] if variants else None


def speech_command(program: str, voice: str, text: str, wav: str | None = None) -> list[str]:
    """Return the espeak-ng command that says text (into a WAV file if wav is given)."""
    command = [program, "-v", voice, "-s", str(RATE)]
    if wav:
        command += ["-w", wav]
    # "--" ends the options: a community called "-x" is read, not obeyed.
    return [*command, "--", text]


# --- speaking -------------------------------------------------------------------------

class Speaker:
    """Say one thing at a time with espeak-ng: a new utterance stops the one before."""

    def __init__(self, program: str | None = None,
                 spawn: Callable[..., subprocess.Popen] = subprocess.Popen):
        self.program = program or shutil.which("espeak-ng")
        self._spawn = spawn
        self._voices: frozenset[str] | None = None
        self._current: subprocess.Popen | None = None
        self._ending: list[subprocess.Popen] = []

    @property
    def available(self) -> bool:
        return self.program is not None

    @property
    def busy(self) -> bool:
        # Asked often (Narrator.catch_up): also reaps the ones stopped, so no zombie stays.
        self._ending = [process for process in self._ending if process.poll() is None]
        return self._current is not None and self._current.poll() is None

    def list_voices(self) -> None:
        """Ask espeak-ng which voices it has (in a worker thread: it takes a moment)."""
        try:
            listing = subprocess.run([self.program, "--voices"], capture_output=True,
                                     text=True, timeout=5, check=False).stdout
        except (OSError, subprocess.SubprocessError, TypeError):
            log.warning("the voices of espeak-ng could not be listed", exc_info=True)
            return
        self._voices = parse_voices(listing)

    def say(self, text: str, locale: str) -> None:
        """Start saying text in the language's voice; return at once."""
        self.stop()
        voice = voice_for(locale, self._voices)
        if not text or not self.program or voice is None:
            return
        try:
            # Nothing on the kiosk's terminal: espeak-ng and ALSA print their
            # complaints (no sound card) to stderr, which would draw over the screen.
            self._current = self._spawn(speech_command(self.program, voice, text),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError:
            log.exception("espeak-ng could not be started")
            self.program = None

    def stop(self) -> None:
        """Stop what is being said, if anything, without waiting for it to end."""
        current, self._current = self._current, None
        if current is not None and current.poll() is None:
            current.terminate()
            self._ending.append(current)

    def attach(self, app) -> None:
        """Meet the app this speaker speaks for (espeak-ng's own sound needs nothing of it)."""


class Narrator:
    """Read the kiosk aloud while speech is on: what is new on the screen, then the focus.

    A focus moved by the visitor cuts what is being said. Texts that appear by
    themselves (a receipt, a problem) are said when the speaker is quiet. Only
    screens with spoken_texts() speak: coordinator mode stays silent."""

    def __init__(self, app, speaker: Speaker, on: bool = False):
        self.app = app
        self.speaker = speaker
        self.on = on and speaker.available
        self.first_on = self.on  # as the kiosk was set up, for the next visitor
        self._screen = None
        self._texts: list[str] = []
        self._pending = False
        self._said: list[str] = []  # the screen's texts in the last utterance
        self._acted = False

    @property
    def can_speak(self) -> bool:
        return self.speaker.available

    def start(self) -> None:
        self.speaker.attach(self.app)
        self.app.set_interval(0.5, self.catch_up)
        self.app.set_class(self.on, "-reading-aloud")  # the button shows it is on
        if self.on:
            self._list_voices()

    def switch(self, on: bool) -> None:
        """Turn speech on (and say the whole screen) or off (and stop at once)."""
        self.on = on and self.can_speak
        self.app.set_class(self.on, "-reading-aloud")
        self.read_from_the_top()
        if self.on:
            self._list_voices()
            self.focus_moved()
        else:
            self.speaker.stop()

    def read_from_the_top(self) -> None:
        """Read the whole screen next time, not only what changed on it."""
        self._screen = None

    @property
    def switched(self) -> bool:
        """Tell whether a visitor has switched speech from how the kiosk was set up."""
        return self.on != self.first_on

    def switch_back(self) -> None:
        if self.switched:
            self.switch(self.first_on)

    def _list_voices(self) -> None:
        self.app.run_worker(self.speaker.list_voices, thread=True, exit_on_error=False,
                            group="voices")

    def focus_moved(self) -> None:
        """Say the focused control, once the screen has settled after the move."""
        if self.on and not self._pending:
            self._pending = True
            self.app.call_after_refresh(self._say_focus)

    def visitor_acted(self) -> None:
        """Note a key or a touch: a focus moved by the visitor may cut what is being said."""
        self._acted = True

    def _say_focus(self) -> None:
        self._pending = False
        screen = self.app.screen
        news = self._news(screen)
        if news is None or not self.on:
            return
        if self.speaker.busy and not self._acted:
            # The focus moved by itself (a screen focuses its first control as it
            # opens): what was being said of the screen has not been heard yet.
            news = [text for text in self._said if text in self._texts and text not in news
                    ] + news
        self._said, self._acted = news, False
        self.speaker.say(utterance([*news, focus_text(screen.focused)]), self.app.locale)

    def catch_up(self) -> None:
        """Say what has appeared on the screen since it was last spoken, when quiet."""
        if not self.on or self._pending or self.speaker.busy:
            return
        screen = self.app.screen
        if screen is not self._screen:
            return  # a new screen is read when its first control takes the focus
        news = self._news(screen)
        if news:
            self._said = news
            self.speaker.say(utterance(news), self.app.locale)

    def _news(self, screen) -> list[str] | None:
        """Return the screen's texts not yet spoken (all of a new screen), or None: silent."""
        spoken_texts = getattr(screen, "spoken_texts", None)
        if spoken_texts is None or self.app.coordinator is not None:
            return None
        texts = spoken_texts()
        news = texts if screen is not self._screen else new_texts(self._texts, texts)
        self._screen, self._texts = screen, texts
        return news

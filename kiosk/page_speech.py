"""Reading aloud under faelles kiosk --web: this kiosk process runs on the server, whose
speakers (if any) nobody at the screen hears, so the browser's page plays it."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
import wave
from pathlib import Path
from typing import Callable

from kiosk.speech import Speaker, speech_command, voice_for

log = logging.getLogger("faelles.kiosk")

# Sent to the page to play nothing more (kiosk/web_page/kiosk.js).
STOP_FRAGMENT = "#speak-stop"


class PageSpeaker(Speaker):
    """Say one thing at a time through the browser's page.

    espeak-ng writes each utterance as a WAV file into the folder the web server gave
    this kiosk; the kiosk moves its page to #speak=URL (textual-serve passes open_url
    on to the page, as it does for large text), and the page fetches and plays it,
    cutting off the one before."""

    def __init__(self, folder: Path, url: str, program: str | None = None,
                 run: Callable[..., subprocess.CompletedProcess] = subprocess.run):
        super().__init__(program)
        self.folder = Path(folder)
        self.url = url.rstrip("/")
        self._run = run
        self._app = None
        self._lock = threading.Lock()
        self._number = 0  # of the latest utterance asked for; an older one is dropped
        self._rendering = False
        self._playing_until = 0.0  # time.monotonic() when the page will have played it

    def attach(self, app) -> None:
        self._app = app

    @property
    def busy(self) -> bool:
        return self._rendering or time.monotonic() < self._playing_until

    def say(self, text: str, locale: str) -> None:
        """Start writing text in the language's voice for the page; return at once."""
        voice = voice_for(locale, self._voices)
        with self._lock:
            self._number += 1
            number = self._number
            self._playing_until = 0.0
            self._rendering = bool(text and self.program and voice)
        if not self._rendering:
            return
        # espeak-ng takes a moment for a long screen: not on the UI thread.
        threading.Thread(target=self._render, args=(number, voice, text), daemon=True,
                         name="speech").start()

    def stop(self) -> None:
        """Stop what the page is playing, if anything."""
        with self._lock:
            self._number += 1
            was_busy = self.busy
            self._rendering, self._playing_until = False, 0.0
        if was_busy:
            self._tell_page(STOP_FRAGMENT)

    def _render(self, number: int, voice: str, text: str) -> None:
        wav = self.folder / f"{number}.wav"
        try:
            self._run(speech_command(self.program, voice, text, wav=str(wav)),
                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL, timeout=30, check=True)
            with wave.open(str(wav)) as sound:
                seconds = sound.getnframes() / sound.getframerate()
        except (OSError, subprocess.SubprocessError, wave.Error, EOFError):
            log.exception("espeak-ng could not write the speech for the page")
            with self._lock:
                if number == self._number:
                    self._rendering = False
            return
        with self._lock:
            current = number == self._number
            if current:
                self._rendering = False
                self._playing_until = time.monotonic() + seconds
        self._forget_before(number if current else number + 1)
        if current:
            self._tell_page(f"#speak={self.url}/{number}")

    def _forget_before(self, number: int) -> None:
        """Delete the utterances older than number: the page plays only the latest."""
        for path in self.folder.glob("*.wav"):
            if path.stem.isdigit() and int(path.stem) < number:
                path.unlink(missing_ok=True)

    def _tell_page(self, fragment: str) -> None:
        app = self._app
        if app is None:
            return
        try:
            if threading.current_thread() is threading.main_thread():
                app.open_url(fragment, new_tab=False)
            else:
                app.call_from_thread(app.open_url, fragment, new_tab=False)
        except RuntimeError:  # the app is ending: so is its page
            pass


def speaker_from_environment(environment: dict[str, str] = os.environ) -> Speaker:
    """Return the speaker for this kiosk: the page's, when the web server asked for it."""
    folder = environment.get("FAELLES_SPEECH_DIR")
    url = environment.get("FAELLES_SPEECH_URL")
    return PageSpeaker(Path(folder), url) if folder and url else Speaker()

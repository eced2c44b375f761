"""Reading aloud under faelles kiosk --web: the page is sent a WAV of each utterance."""

from __future__ import annotations

import shutil
import subprocess
import threading
import wave

import pytest

from kiosk.page_speech import STOP_FRAGMENT, PageSpeaker

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None,
                                  reason="espeak-ng is not installed (apt-get install espeak-ng)")


class FakePage:
    """The app a PageSpeaker tells its page through: records the fragments."""

    def __init__(self):
        self.fragments: list[str] = []
        self.told = threading.Event()

    def open_url(self, url: str, new_tab: bool = True) -> None:
        assert not new_tab
        self.fragments.append(url)
        self.told.set()

    def call_from_thread(self, callback, *args, **kwargs):
        return callback(*args, **kwargs)


def page_speaker(tmp_path, run=subprocess.run) -> tuple[PageSpeaker, FakePage]:
    speaker = PageSpeaker(tmp_path, "/speech/TOKEN", program=ESPEAK or "espeak-ng", run=run)
    page = FakePage()
    speaker.attach(page)
    return speaker, page


@needs_espeak
def test_the_page_is_sent_a_wav_of_what_the_kiosk_says(tmp_path):
    speaker, page = page_speaker(tmp_path)
    speaker.say("Velkommen til Fælles", "da")
    assert speaker.busy  # until the page has played it
    assert page.told.wait(10)
    assert page.fragments == ["#speak=/speech/TOKEN/1"]
    with wave.open(str(tmp_path / "1.wav")) as sound:
        assert sound.getnframes() / sound.getframerate() > 0.5
    assert speaker.busy  # the page is still playing it
    speaker.stop()
    assert page.fragments[-1] == STOP_FRAGMENT and not speaker.busy


def test_an_utterance_overtaken_by_a_newer_one_is_never_sent(tmp_path):
    gates = {"first": threading.Event(), "second": threading.Event()}

    def run(command, **options):  # writes a short WAV, the first one only when let go
        gates["first" if command[-1] == "Velkommen" else "second"].wait(5)
        with wave.open(command[command.index("-w") + 1], "wb") as sound:
            sound.setnchannels(1), sound.setsampwidth(2), sound.setframerate(22050)
            sound.writeframes(b"\0\0" * 22050)

    speaker, page = page_speaker(tmp_path, run=run)
    speaker.say("Velkommen", "da")
    speaker.say("Welcome", "en")
    gates["second"].set()
    assert page.told.wait(5)
    gates["first"].set()
    for thread in threading.enumerate():  # let the first one finish, and be dropped
        if thread.name == "speech":
            thread.join(5)
    assert page.fragments == ["#speak=/speech/TOKEN/2"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["2.wav"]


def test_switching_off_when_nothing_plays_tells_the_page_nothing(tmp_path):
    speaker, page = page_speaker(tmp_path)
    speaker.stop()
    assert page.fragments == []

"""The community form's next meeting: written as a leader texts it, and told back in words."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kiosk.screens.base import literal
from kiosk.widgets.readable_input import ReadableInput
from shared.clock import utcnow
from shared.meeting_time import Meeting, describe_meeting
from shared.services.coordinator import MAX_MEETING, UnreadableMeeting, read_meeting


class MeetingField(Vertical):
    """The next meeting as written, a button to call it off, and a line saying what was read.

    Left empty, the meeting stays as it is, and the line says what it is now.
    Calling off is a button rather than a word typed in the field ("ingen"
    could be a place), and it only marks the meeting: Save does it.
    """

    DEFAULT_CSS = """
    MeetingField { height: auto; }
    /* A box around the button holds the gap: the coordinator's Button margin outranks ours. */
    MeetingField #call-off-box { display: none; width: auto; height: auto; padding: 0 0 0 1; }
    MeetingField #call-off-box.-shown { display: block; }
    MeetingField #call-off { min-width: 0; width: auto; }
    MeetingField #meeting-read { height: auto; padding: 0 0 0 17; }
    MeetingField #meeting-read.-unreadable { color: $error; text-style: bold; }
    """

    def __init__(self):
        super().__init__(id="meeting-field")
        self.current: Meeting | None = None
        self.call_off = False

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Horizontal(classes="form-row"):
            yield Static(_("Next meeting"), classes="field-label", markup=False)
            yield ReadableInput("", id="meeting", max_length=MAX_MEETING,
                                placeholder=_("e.g. 12/12 14:00 Library"))
            with Horizontal(id="call-off-box"):
                yield Button(_("Call off the meeting"), id="call-off")
        yield Static("", id="meeting-read", markup=False)

    def on_mount(self) -> None:
        self.tell()

    def show_current(self, meeting: Meeting | None) -> None:
        """Say what the next meeting is now; only then can it be called off."""
        self.current = meeting
        self.query_one("#call-off-box").set_class(meeting is not None, "-shown")
        self.tell()

    def calling_off(self) -> bool:
        return self.current is not None and self.call_off

    @on(Button.Pressed, "#call-off")
    def toggle_call_off(self, event: Button.Pressed) -> None:
        event.stop()
        self.call_off = not self.call_off
        event.button.label = (self.app._("Keep the meeting") if self.call_off
                              else self.app._("Call off the meeting"))
        # A new label does not resize a Button by itself: a longer one would wrap out of sight.
        event.button.refresh(layout=True)
        self.tell()

    def change(self) -> dict:
        """Return what saving does to the meeting, as the service takes it."""
        if self.calling_off():
            return {"call_off_meeting": True}
        return {"meeting": self.query_one("#meeting", Input).value,
                "language": self.app.locale}

    @on(Input.Changed, "#meeting")
    def tell(self) -> None:
        """Say under the field what saving will do: the meeting read, or why it cannot be."""
        _ = self.app._
        text = self.query_one("#meeting", Input).value.strip()
        calling_off = self.calling_off()
        self.query_one("#meeting", Input).disabled = calling_off
        unreadable = False
        if calling_off:
            line = _("Saving calls off the meeting {when}; no reminder goes out.").format(
                when=self.when(self.current))
        elif text:
            meeting = read_meeting(text, language=self.app.locale, now=utcnow())
            unreadable = meeting is None
            line = _(UnreadableMeeting.message) if unreadable else self.say(
                meeting, _("Understood as: {when}, {place}"), _("Understood as: {when}"))
        elif self.current is not None:
            line = self.say(self.current, _("Next time: {when}, {place}"),
                            _("Next time: {when}"))
        else:
            line = _("No meeting is set. Members get an SMS the day before a meeting.")
        read = self.query_one("#meeting-read", Static)
        read.update(literal(line))
        read.set_class(unreadable, "-unreadable")

    def when(self, meeting: Meeting) -> str:
        return describe_meeting(meeting, self.app.locale, now=utcnow())

    def say(self, meeting: Meeting, with_place: str, without_place: str) -> str:
        if meeting.place:
            return with_place.format(when=self.when(meeting), place=meeting.place)
        return without_place.format(when=self.when(meeting))

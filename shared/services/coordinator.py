"""What coordinators do, as single calls: each checks its rule, writes, audits and queues.

A kiosk pane asks whether a decision is allowed, what SMS it will send
(`*_notice`), and then makes it. The citizen is told by SMS in their own
language through the outbox, never when they opted out or gave no number.
The calls live by subject, and this module gathers them for the panes:

- `notices`: the SMS an action would send (Notice, TooLong) and its audit row;
- `decisions`: offers and feedback (approve, ask, reject, match, answer, mark);
- `community_admin`: communities, their next meetings and messages to their members;
- `records`: people (access, export, erase), exports, the audit log, login.
"""

from __future__ import annotations

from shared.services.notices import (
    TooLong, clean_note, Notice, notice_for, MAX_NOTE,
)
from shared.services.decisions import (
    can_decide, can_mark, can_answer, decision_notice, decide_offer, answer_notice,
    answer_feedback, mark_feedback, quote_feedback, review_offers, offer_view,
    matching_communities, feedback_since, feedback_items, has_new_answer, DECISIONS,
    NOTE_DECISIONS, ANSWER_WINDOW, REVIEW_STATUSES, FEEDBACK_MARKS, OPEN_FEEDBACK,
)
from shared.services.community_admin import (
    community_table, create_community, edit_community, change_community_status,
    pause_or_resume, archive_community, Broadcast, broadcast, STATUS_ACTIONS, MAX_MEETING,
    UnreadableMeeting, read_meeting, current_meeting, set_next_meeting, call_off_next_meeting,
)
from shared.services.records import (
    look_up_person, export_person, erase_person, coordinator_names, stamp, export_csv_files,
    export_xlsx_files, audit_entries, log_in, log_out,
)

__all__ = [
    "TooLong", "clean_note", "Notice", "notice_for", "MAX_NOTE", "can_decide", "can_mark",
    "can_answer", "decision_notice", "decide_offer", "answer_notice", "answer_feedback",
    "mark_feedback", "quote_feedback", "review_offers", "offer_view", "matching_communities",
    "feedback_since", "feedback_items", "DECISIONS", "NOTE_DECISIONS", "ANSWER_WINDOW",
    "REVIEW_STATUSES", "FEEDBACK_MARKS", "OPEN_FEEDBACK", "community_table", "create_community",
    "edit_community", "change_community_status", "pause_or_resume", "archive_community",
    "Broadcast", "broadcast", "STATUS_ACTIONS", "look_up_person", "export_person", "erase_person",
    "coordinator_names", "stamp", "export_csv_files", "export_xlsx_files", "audit_entries",
    "log_in", "log_out", "has_new_answer", "MAX_MEETING", "UnreadableMeeting", "read_meeting",
    "current_meeting", "set_next_meeting", "call_off_next_meeting",
]

"""The words a coordinator reads for stored codes: statuses, categories, channels, actions.

Each is an English msgid, translated where it is drawn; the codes stay in the store.
"""

from __future__ import annotations

from shared.i18n import N_

OFFER_STATUSES = {"pending": N_("Pending"), "needs_info": N_("Needs info"),
                  "approved": N_("Approved"), "matched": N_("Matched"), "done": N_("Done"),
                  "rejected": N_("Rejected"), "withdrawn": N_("Withdrawn")}
# An offer waiting for review again, the citizen having answered the question.
ANSWER_RECEIVED = N_("Answer received")
CATEGORIES = {"time": N_("Time"), "knowhow": N_("Know-how"), "things": N_("Things to lend"),
              "room": N_("A room"), "transport": N_("A lift"),
              "initiative": N_("New initiative")}
FEEDBACK_KINDS = {"ros": N_("Praise (ros)"), "ris": N_("Complaint (ris)"),
                  "ide": N_("Idea (idé)")}
FEEDBACK_STATUSES = {"new": N_("New"), "read": N_("Read"), "answered": N_("Answered"),
                     "archived": N_("Archived")}
COMMUNITY_STATUSES = {"active": N_("Active"), "paused": N_("Paused"),
                      "archived": N_("Archived")}
CHANNELS = {"sms": N_("SMS"), "kiosk": N_("Kiosk")}
NEED_STATUSES = {"new": N_("New"), "open": N_("Open"), "introduced": N_("Introduced"),
                 "met": N_("Helped"), "not_met": N_("Not helped"),
                 "withdrawn": N_("Withdrawn"), "expired": N_("Expired")}
INTRODUCTION_STATUSES = {"waiting": N_("Waiting for answers"),
                         "agreed": N_("Both said yes: numbers shared"),
                         "declined": N_("Declined"), "expired": N_("Expired"),
                         "ended": N_("Ended")}
# Why an introduction ended, as the coordinator reads it.
ENDED_REASONS = {"need_said_no": N_("the one who needs help said no"),
                 "offer_said_no": N_("the one who offers said no"),
                 "no_answer": N_("not both answered within three days"),
                 "opted_out": N_("one of them opted out of SMS"),
                 "erased": N_("one of them had their data erased")}
MESSAGE_STATUSES = {"received": N_("received"), "queued": N_("queued"),
                    "sending": N_("sending"), "sent": N_("sent"),
                    "delivered": N_("delivered"), "failed": N_("failed"),
                    "undelivered": N_("undelivered"), "held": N_("held"),
                    # Sent, but the answer from Twilio was lost: not yet known.
                    "uncertain": N_("not yet known")}
RECORD_KINDS = {"offer": N_("offer"), "feedback": N_("feedback"),
                "community": N_("community"), "contact": N_("contact"),
                "coordinator": N_("coordinator"), "offers": N_("offers"),
                "communities": N_("communities"), "members": N_("members"),
                "messages": N_("messages"), "unsorted": N_("inbox message"),
                "inbox": N_("inbox"), "need": N_("need"),
                "introduction": N_("introduction"), "needs": N_("needs"),
                "introductions": N_("introductions"), "meeting": N_("meeting")}
AUDIT_ACTIONS = {
    "login": N_("logged in"), "logout": N_("logged out"),
    "failed_login": N_("wrong PIN"), "lockout": N_("locked out after wrong PINs"),
    "add_coordinator": N_("coordinator created"),
    "offer_approve": N_("offer approved"), "offer_ask": N_("asked about offer"),
    "offer_reject": N_("offer rejected"), "offer_match": N_("offer matched"),
    "feedback_answer": N_("feedback answered"), "feedback_read": N_("feedback read"),
    "feedback_archived": N_("feedback archived"),
    "community_create": N_("community created"), "community_edit": N_("community edited"),
    "community_pause": N_("community paused"), "community_resume": N_("community resumed"),
    "community_archive": N_("community archived"), "broadcast": N_("SMS to members"),
    "set_meeting": N_("meeting set"), "call_off_meeting": N_("meeting called off"),
    "access_view": N_("data viewed"), "access_export": N_("data exported"),
    "export": N_("exported"), "erase_contact": N_("contact erased"),
    "erase_confirmed": N_("erasure confirmed"), "purge": N_("old records deleted"),
    "restore": N_("store restored from a backup"),
    "unsorted_answer": N_("inbox message answered"),
    "unsorted_feedback": N_("inbox message filed as feedback"),
    "unsorted_offer": N_("inbox message filed as an offer"),
    "unsorted_archive": N_("inbox message archived"),
    "feedback_quote": N_("feedback chosen for the report"),
    "feedback_unquote": N_("feedback no longer for the report"),
    "report_save": N_("report saved"), "poster_save": N_("poster saved"),
    "sms_throttled": N_("SMS slowed down (too many)"),
    "sms_loop_stopped": N_("SMS loop stopped"),
    "need_open": N_("need opened"),
    "propose_introduction": N_("introduction proposed"),
}


def label(labels: dict[str, str], code: str | None, gettext) -> str:
    """Return the translated label of a code, or the code itself when none is known."""
    if code is None:
        return ""
    return gettext(labels[code]) if code in labels else code


def note_is_reason(offer_status: str) -> bool:
    """Tell whether an offer's review note is the reason it was rejected, not a question."""
    # Rejecting writes its reason (or nothing) over an earlier question; asking
    # writes the question; approving and matching leave the note as it was.
    return offer_status == "rejected"

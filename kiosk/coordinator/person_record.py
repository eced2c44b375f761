"""Everything stored about one contact, as readable text in the coordinator's language."""

from __future__ import annotations

from textual.content import Content

from kiosk.widgets.cells import shown
from shared.clock import parse
from shared.i18n import format_when, language_name_in
from shared.labels import (CATEGORIES, CHANNELS, FEEDBACK_KINDS, FEEDBACK_STATUSES,
                           MESSAGE_STATUSES, NEED_STATUSES, OFFER_STATUSES, label,
                           note_is_reason)


def describe(data: dict, app) -> Content:
    """Return a contact's data as text; stored text is never parsed as markup."""
    _ = app._
    parts: list = []
    codes = data.get("community_codes", {})

    def when(text: str | None) -> str:
        return format_when(parse(text), app.locale, "short") if text else "-"

    def line(*pieces: str | None, indent: int = 2, style: str = "") -> None:
        # Each piece on its own: a label of ours is already drawn, a stored text is not.
        text = " · ".join(shown(p) for p in pieces if p not in (None, ""))
        parts.append(("".join(" " * indent + drawn + "\n" for drawn in text.split("\n")),
                      style))

    def heading(title: str, items: list) -> None:
        parts.append(("\n" + f"{title} ({len(items)})" + "\n", "bold"))
        if not items:
            line(_("None."), style="italic")

    contact = data["contact"]
    parts.append((_("Contact no. {id}").format(id=contact["id"]) + "\n", "bold"))
    line(_("Phone: {phone}").format(phone=contact["phone"]),
         _("Language: {language}").format(
             language=language_name_in(contact["language"], app.locale)
             if contact["language"] else "-"))
    line(_("Opted out {when}").format(when=when(contact["opted_out_at"]))
         if contact["opted_out"] else _("Receives SMS"))
    line(_("First seen {when}").format(when=when(contact["first_seen"])),
         _("last seen {when}").format(when=when(contact["last_seen"])))

    heading(_("Memberships"), data["memberships"])
    for m in data["memberships"]:
        line(codes.get(m["community_id"], f"#{m['community_id']}"),
             _("joined {when}").format(when=when(m["joined_at"])),
             m["left_at"] and _("left {when}").format(when=when(m["left_at"])),
             label(CHANNELS, m["channel"], _), m["location"])

    for leads in data.get("leaders", []):
        line(_("Leader"), codes.get(leads["community_id"], f"#{leads['community_id']}"),
             leads["first_name"], when(leads["created_at"]))

    heading(_("Offers"), data["offers"])
    for o in data["offers"]:
        line(f"#{o['id']}", label(OFFER_STATUSES, o["status"], _),
             label(CATEGORIES, o["category"], _), o["town"], label(CHANNELS, o["channel"], _),
             o["location"], when(o["created_at"]))
        line(o["description"], indent=4)
        if o["availability"]:
            line(_("When: {schedule}").format(schedule=o["availability"]), indent=4)
        if o["review_note"]:
            line((_("Reason for rejecting: {note}") if note_is_reason(o["status"])
                  else _("Question to the citizen: {note}")).format(note=o["review_note"]),
                 indent=4)
        if o["answer"]:
            line(_("The citizen's answer: {answer}").format(answer=o["answer"]), indent=4)

    heading(_("Needs"), data.get("needs", []))
    for n in data.get("needs", []):
        line(f"#{n['id']}", label(NEED_STATUSES, n["status"], _),
             label(CATEGORIES, n["category"], _), n["town"], label(CHANNELS, n["channel"], _),
             n["location"], when(n["created_at"]))
        line(n["description"], indent=4)
        if n["needed_when"]:
            line(_("When: {schedule}").format(schedule=n["needed_when"]), indent=4)

    heading(_("Feedback"), data["feedback"])
    for f in data["feedback"]:
        line(f"#{f['id']}", label(FEEDBACK_KINDS, f["kind"], _),
             label(FEEDBACK_STATUSES, f["status"], _), f["rating"] and f"{f['rating']}/5",
             f["town"], label(CHANNELS, f["channel"], _), f["location"], when(f["created_at"]))
        line(f["text"], indent=4)
        if f["reply"]:
            line(_("Reply: {reply}").format(reply=f["reply"]), indent=4)

    # Texts that were no keyword and no answer, kept for a coordinator to read.
    heading(_("Inbox"), data.get("unsorted", []))
    for u in data.get("unsorted", []):
        line(f"#{u['id']}", when(u["created_at"]))
        line(u["text"], indent=4)
        if u["reply"]:
            line(_("Reply: {reply}").format(reply=u["reply"]), indent=4)

    heading(_("Messages"), data["messages"])
    for m in data["messages"]:
        line("→" if m["direction"] == "out" else "←", when(m["created_at"]),
             label(MESSAGE_STATUSES, m["status"], _))
        line(m["body"], indent=4)

    heading(_("Conversations"), data["conversations"])
    for c in data["conversations"]:
        line(c["flow"], c["step"], _("ends {when}").format(when=when(c["expires_at"])))
        line(c["data"], indent=4)
    return Content.assemble(*parts)

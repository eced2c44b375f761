"""A need as a coordinator reads it: the citizen's words, its introductions, the offers that fit."""

from __future__ import annotations

from textual.content import Content

from kiosk.rtl import readable
from kiosk.screens.base import literal
from shared.clock import parse
from shared.i18n import N_, format_month_day, format_when, language_name_in
from shared.labels import (
    CATEGORIES, CHANNELS, ENDED_REASONS, INTRODUCTION_STATUSES, NEED_STATUSES, label,
)
from shared.matching import Suggestion, as_written

# The details name the best few; the dialog behind i lists them all.
SUGGESTIONS_SHOWN = 3


def describe_need(view: dict, app, width: int) -> Content:
    """Return a need's details; every stored text is shown literally, never as markup."""
    _ = app._
    need, contact = view["need"], view["contact"]
    heading = " · ".join((
        _("Need no. {id}").format(id=need["id"]), label(NEED_STATUSES, need["status"], _),
        label(CATEGORIES, need["category"], _) or _("no category"),
        format_when(parse(need["created_at"]), app.locale, "short"),
    ))
    parts: list = [(heading, "bold"), "\n",
                   (_("Town") + ": ", "bold"), literal(need["town"] or _("not given")),
                   " · ", (_("When") + ": ", "bold"),
                   literal(need["needed_when"] or _("not given")), " · ",
                   (_("Channel") + ": ", "bold"), label(CHANNELS, need["channel"], _)]
    if need["location"]:
        parts += [" (", literal(need["location"]), ")"]
    parts += ["\n", (_("Phone") + ": ", "bold"), literal(contact["phone"]), " · ",
              (_("Language") + ": ", "bold"),
              language_name_in(contact["language"] or "da", app.locale)]
    if contact["opted_out"]:
        parts += [" · ", _("No SMS: the citizen has opted out.")]
    parts += ["\n\n", literal(readable(need["description"])), "\n\n"]
    parts += introductions_so_far(view["introductions"], app)
    parts += ["\n"] + offers_that_fit(need, view["suggestions"], app, width)
    return Content.assemble(*parts)


def introductions_so_far(introductions: list[dict], app) -> list:
    _ = app._
    if not introductions:
        return [(_("Introductions so far") + ": ", "bold"), _("none yet.")]
    parts: list = [(_("Introductions so far") + ":", "bold")]
    for introduction in introductions:
        offer = (_("offer no. {id}").format(id=introduction["offer_id"])
                 if introduction["offer_id"] else _("an offer since erased"))
        parts += ["\n", _("no. {id}").format(id=introduction["id"]), " · ",
                  format_month_day(parse(introduction["created_at"]), app.locale),
                  " · ", offer, " · ", outcome(introduction, app)]
    return parts


def outcome(introduction: dict, app) -> str:
    """Return where an introduction stands, or how it ended, in the coordinator's words."""
    _ = app._
    status = introduction["status"]
    said = label(INTRODUCTION_STATUSES, status, _)
    if status == "waiting":
        said = _("waiting for answers until {when}").format(when=format_when(
            parse(introduction["answer_by"]), app.locale, "short"))
        for side, yes in (("need", N_("the one who needs help said yes")),
                          ("offer", N_("the one who offers said yes"))):
            if introduction[f"{side}_answer"] == "yes":
                said += "; " + _(yes)
    elif status == "agreed":
        if introduction["helped"] is not None:
            said += "; " + (_("help came") if introduction["helped"] else _("no help came"))
        elif introduction["followed_up_at"]:
            said += "; " + _("asked whether help came")
    elif introduction["ended_reason"]:
        said += ": " + label(ENDED_REASONS, introduction["ended_reason"], _)
    return said


def offers_that_fit(need: dict, suggestions: list[Suggestion], app, width: int) -> list:
    _ = app._
    if not suggestions:
        return [(_("Offers that fit") + ": ", "bold"),
                _("no approved offer yet. Approve offers in the Offers tab.")]
    parts: list = [(_("Offers that fit (i introduce)") + ":", "bold")]
    for fit in suggestions[:SUGGESTIONS_SHOWN]:
        parts += ["\n"] + suggestion(fit, need, app, width=width)
    if len(suggestions) > SUGGESTIONS_SHOWN:
        more = len(suggestions) - SUGGESTIONS_SHOWN
        parts += ["\n", app.ngettext("and {n} more (i shows all)",
                                     "and {n} more (i shows all)", more).format(n=more)]
    return parts


def suggestion(fit: Suggestion, need: dict, app, width: int | None = None) -> list:
    """Return an offer that fits: what and where, its words, why it fits.

    With a width, the offer's words follow on the first line, cut to fit it.
    """
    _ = app._
    offer = fit.offer
    words = " ".join((offer["description"] or "").split())
    where = " · ".join(part for part in (
        _("Offer no. {id}").format(id=offer["id"]), offer["town"] or "",
        label(CATEGORIES, offer["category"], _)) if part)
    if width is None:
        between = "\n  "
    else:
        between, room = ": ", max(8, width - len(where) - 2)
        if len(words) > room:
            words = words[:room - 1].rstrip() + "…"
    return [literal(where).stylize("bold"), between, literal(readable(words)), "\n  ",
            (why(fit, need, app), "italic")]


def why(fit: Suggestion, need: dict, app) -> str:
    """Return why an offer fits: same town, same kind, the words both use."""
    _ = app._
    reasons = ([_("same town")] if fit.same_town else []) + \
        ([_("same kind")] if fit.same_kind else [])
    if fit.shared_words:
        words = as_written(need["description"], fit.shared_words)
        reasons.append(_("shared words: {words}").format(words=", ".join(words)))
    if not reasons:
        return _("Fits: no town, kind or words in common.")
    return _("Fits: {reasons}.").format(reasons=", ".join(reasons))

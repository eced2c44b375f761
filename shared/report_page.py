"""The report as one self-contained HTML page: each figure as a chart with its numbers beside it.

Everything a reader sees goes through the catalog of the report's language.
Counts under 5 are shown as "under 5" (shared/small_counts.py); quotes are only
the feedback a coordinator chose, without anything that looks like a number or
an e-mail address.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape

from shared import report_charts as charts
from shared.i18n import N_, TIMEZONE, language_name_in, translator
from shared.labels import FEEDBACK_KINDS, label
from shared.printing import document, fonts
from shared.report_figures import INBOX_OUTCOMES, Report, Waits
from shared.report_periods import Period
from shared.small_counts import SMALL, hidden_parts, is_small

MAX_QUOTE = 500
# Six digits or more, spaces, dots or dashes between them allowed: a phone number,
# a CPR number, an account. And anything shaped like an e-mail address.
_NUMBER = re.compile(r"\+?\d(?:[\s.\-/]?\d){5,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

INTRODUCTION_LABELS = {
    "agreed": N_("Introductions: both said yes"),
    "declined": N_("Introductions: one said no"),
    "expired": N_("Introductions: no answer in time"),
    "ended": N_("Introductions: ended otherwise"),
    "waiting": N_("Introductions: waiting for answers"),
}
INBOX_LABELS = {
    "answered": N_("Answered by SMS"), "feedback": N_("Filed as feedback"),
    "offer": N_("Filed as an offer"), "archived": N_("Put away"),
    "new": N_("Not handled yet"),
}

CSS = """
@page { size: A4; margin: 15mm 14mm 17mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt;
                         font-family: %(fonts)s; } }
body { font-family: %(fonts)s; font-size: 9.5pt; line-height: 1.35; color: #1a1a1a;
       max-width: 182mm; margin: 0 auto; }
h1 { font-size: 19pt; margin: 0 0 1mm; }
h2 { font-size: 12.5pt; margin: 0 0 1mm; }
.period { font-size: 11pt; margin: 0 0 2mm; }
.note, .what { color: #333; margin: 0 0 2mm; }
.what { font-style: italic; }
section { break-inside: avoid; margin: 0 0 7mm; }
.row { display: flex; gap: 4mm; align-items: flex-start; }
.chart { flex: 0 0 56%%; }
.numbers { flex: 1; }
.stacked .row { display: block; }
.stacked .chart { width: 62%%; margin: 0 0 2mm; }
.chart svg { width: 100%%; height: auto; }
table { border-collapse: collapse; font-size: 8pt; width: 100%%; }
.numbers table + table { margin-top: 2mm; }
th, td { padding: 0.6mm 1.5mm; border-bottom: 0.3pt solid #999; text-align: start;
         vertical-align: top; }
td.n, th.n { text-align: end; }
td.n { white-space: nowrap; }
th.n { width: 21%%; }
table.weeks th.n { width: auto; }
.stacked th.n { width: 13%%; }
tr.group th { border-bottom: 0.8pt solid #1a1a1a; padding-top: 2mm; }
tr.total td { font-weight: bold; }
blockquote { margin: 0 0 3mm; padding: 0 4mm; border-inline-start: 1.5pt solid #1a1a1a; }
blockquote .kind { font-size: 8pt; color: #333; }
"""


class _Page:
    """The report in one language: its words, numbers and dates."""

    def __init__(self, report: Report, locale: str):
        self.report = report
        self.locale = locale
        catalog = translator(locale)
        self._ = catalog.gettext
        self.ngettext = catalog.ngettext
        _ = self._
        # The page's fonts, in its order, without the generic family CSS ends with.
        page_fonts = tuple(fonts(locale).replace('"', "").split(", ")[:-1])
        self.words = charts.Words(now=_("This period"), before=_("The period before"),
                                  small=_("under {small}").format(small=SMALL),
                                  fonts=page_fonts)

    # -- numbers and dates ------------------------------------------------------------------

    def count(self, value: int, hidden: bool | None = None) -> str:
        from babel.numbers import format_decimal

        if is_small(value) if hidden is None else hidden:
            return self.words.small
        return format_decimal(value, locale=self.locale)

    def wait(self, age: timedelta | None) -> str:
        from babel.dates import format_timedelta

        if age is None:
            return self.words.small
        # Up to a day and a half in hours ("30 timer"), then in days.
        return format_timedelta(age, threshold=1.5, locale=self.locale)

    def period(self, period: Period) -> str:
        from babel.dates import format_interval, format_skeleton

        if period.whole_months == 1:
            return format_skeleton("yMMMM", period.first, locale=self.locale)
        return format_interval(period.first, period.last, "yMMMd", locale=self.locale)

    def week(self, monday, period: Period) -> str:
        number = str(monday.isocalendar().week)
        return number if period.covers_week(monday) else number + "*"

    # -- the page ---------------------------------------------------------------------------

    def html(self) -> str:
        _ = self._
        title = _("Fælles: how citizens took part")
        body = "\n".join([self.heading(title), self.summary(), self.weekly(), self.towns(),
                          self.helping(), self.communities(), self.feedback(), self.waits(),
                          self.inbox(), self.languages(), self.opt_outs(), self.quotes()])
        return document(title=f"{title}: {self.period(self.report.period)}", body=body,
                        css=CSS % {"fonts": fonts(self.locale)}, locale=self.locale)

    def heading(self, title: str) -> str:
        _ = self._
        from babel import Locale
        from babel.dates import format_date, format_time

        local = self.report.made_at.astimezone(TIMEZONE)
        # The locale's own order of date and time, without seconds or a zone name.
        made = Locale.parse(self.locale).datetime_formats["medium"].format(
            format_time(local.time(), "short", locale=self.locale),
            format_date(local.date(), "long", locale=self.locale))
        return (f"<header><h1>{escape(title)}</h1>\n<p class=\"period\">"
                + escape(_("{period}, compared with {before}").format(
                    period=self.period(self.report.period),
                    before=self.period(self.report.before)))
                + "</p>\n<p class=\"note\">"
                + escape(_("Counts only: no names, numbers or other personal data. A count "
                           "under {small} is shown as “under {small}”, because in a small town "
                           "a small number can point to a person; so is an average or a "
                           "waiting time made from fewer than {small}.").format(small=SMALL))
                + "</p>\n<p class=\"note\">"
                + escape(_("Made {when}. Answers are counted up to then.").format(when=made))
                + "</p></header>")

    def section(self, title: str, what: str, chart: str, table: str, note: str = "", *,
                stacked: bool = False) -> str:
        """Return a figure: its title, what it shows, the chart, its numbers and a note.

        stacked: the numbers under the chart, for a table too wide to stand beside it.
        """
        extra = f'<p class="note">{escape(note)}</p>' if note else ""
        shape = ' class="stacked"' if stacked else ""
        return (f"<section{shape}>\n<h2>{escape(title)}</h2>\n"
                f"<p class=\"what\">{escape(what)}</p>\n"
                f"<div class=\"row\"><div class=\"chart\">{chart}</div>\n"
                f"<div class=\"numbers\">{table}</div></div>{extra}\n</section>")

    def table(self, rows: list[tuple[str, str, str]], *, first: str = "",
              total: tuple[str, str, str] | None = None) -> str:
        """Return a table of label, this period and the period before."""
        head = (f"<tr><th>{escape(first)}</th><th class=\"n\">{escape(self.words.now)}</th>"
                f"<th class=\"n\">{escape(self.words.before)}</th></tr>")
        lines = [f"<tr><td>{escape(name)}</td><td class=\"n\">{escape(now)}</td>"
                 f"<td class=\"n\">{escape(before)}</td></tr>" for name, now, before in rows]
        if total:
            lines.append(f"<tr class=\"total\"><td>{escape(total[0])}</td><td class=\"n\">"
                         f"{escape(total[1])}</td><td class=\"n\">{escape(total[2])}</td></tr>")
        return f"<table><thead>{head}</thead><tbody>{''.join(lines)}</tbody></table>"

    def compared(self, title: str, what: str, names: list[str], now: list[int],
                 before: list[int], *, additive: bool = False, total: str = "",
                 note: str = "", more: str = "") -> str:
        """Return a section of bars per category, this period against the one before."""
        hide_now = hidden_parts(now) if additive else tuple(map(is_small, now))
        hide_before = hidden_parts(before) if additive else tuple(map(is_small, before))
        chart = charts.compare(names, charts.Series(now, hide_now),
                               charts.Series(before, hide_before), words=self.words,
                               description=what)
        rows = [(name, self.count(n, h), self.count(b, hb))
                for name, n, h, b, hb in zip(names, now, hide_now, before, hide_before)]
        summed = (total, self.count(sum(now)), self.count(sum(before))) if total else None
        return self.section(title, what, chart, self.table(rows, total=summed) + more, note)

    # -- the sections -----------------------------------------------------------------------

    def summary(self) -> str:
        _ = self._
        now, before = self.report.now, self.report.earlier
        rows = [
            (_("People taking part"), now.people.people, before.people.people),
            (_("People who texted"), now.people.sms, before.people.sms),
            (_("Kiosk visits"), now.people.kiosk, before.people.kiosk),
            (_("Offers"), now.helping.offers, before.helping.offers),
            (_("Needs (a hand wanted)"), now.helping.needs, before.helping.needs),
            (_(INTRODUCTION_LABELS["agreed"]), now.helping.introductions["agreed"],
             before.helping.introductions["agreed"]),
            (_("Help that came"), now.helping.helped, before.helping.helped),
            (_("Feedback"), now.feedback.total, before.feedback.total),
            (_("Texts in the inbox"), now.inbox.received, before.inbox.received),
            (_("Opt-outs (STOP)"), now.opt_outs, before.opt_outs),
        ]
        cells = [(name, self.count(n), self.count(b)) for name, n, b in rows]
        cells.append((_("Median wait for an answer to feedback"),
                      self.wait(_shown_median(now.feedback_waits)),
                      self.wait(_shown_median(before.feedback_waits))))
        title = _("In short")
        return (f"<section>\n<h2>{escape(title)}</h2>\n"
                f"{self.table(cells)}\n</section>")

    def weekly(self) -> str:
        _ = self._
        report = self.report
        what = _("Bars per ISO week: people who texted, and kiosk visits; the weeks of the "
                 "period before are hatched, this period's are solid.")
        now, before = report.weeks_now.by_channel, report.weeks_before.by_channel
        panels = [(title, charts.Series(now[channel], [is_small(n) for n in now[channel]]),
                   charts.Series(before[channel], [is_small(n) for n in before[channel]]))
                  for title, channel in ((_("People who texted"), "sms"),
                                         (_("Kiosk visits"), "kiosk"))]
        weeks_now = [self.week(m, report.period) for m in report.weeks_now.weeks]
        weeks_before = [self.week(m, report.before) for m in report.weeks_before.weeks]
        chart = charts.weekly(panels, weeks_before, weeks_now, words=self.words,
                              axis=_("ISO week"), description=what)
        # Words are looked up outside f-strings: Babel does not find _() inside one.
        heads = [_("ISO week"), _("People who texted"), _("Kiosk visits")]
        lines = [f"<tr><th>{escape(heads[0])}</th><th class=\"n\">{escape(heads[1])}</th>"
                 f"<th class=\"n\">{escape(heads[2])}</th></tr>"]
        for name, weeks, counts in ((self.words.before, weeks_before, before),
                                    (self.words.now, weeks_now, now)):
            lines.append(f"<tr class=\"group\"><th colspan=\"3\">{escape(name)}</th></tr>")
            lines += [f"<tr><td>{escape(week)}</td><td class=\"n\">{escape(self.count(sms))}"
                      f"</td><td class=\"n\">{escape(self.count(kiosk))}</td></tr>"
                      for week, sms, kiosk in zip(weeks, counts["sms"], counts["kiosk"])]
        note = " ".join([
            _("* Only some of the week's days fall in the period."),
            _("Someone with a number who did several things at a kiosk in one week made one "
              "visit; a visitor who gave no number counts once for each thing done.")])
        return self.section(_("People taking part, week by week"), what, chart,
                            f"<table class=\"weeks\">{''.join(lines)}</table>", note)

    def towns(self) -> str:
        _ = self._
        now, before = self.report.now.people.by_town, self.report.earlier.people.by_town
        towns = list(now) + [town for town in before if town not in now]
        towns.sort(key=lambda town: town is None)  # "No town given" last
        names = [town or _("No town given") for town in towns]
        return self.compared(
            _("People taking part, by town"),
            _("Bars per town: people who did something about that town."), names,
            [now.get(t, 0) for t in towns], [before.get(t, 0) for t in towns],
            note=_("Texts that name no town count under “No town given”; someone active "
                   "in two towns counts in both."))

    def helping(self) -> str:
        _ = self._
        now, before = self.report.now.helping, self.report.earlier.helping
        keys = ["agreed", "declined", "expired", "ended", "waiting"]
        names = ([_("Offers"), _("Needs (a hand wanted)")]
                 + [_(INTRODUCTION_LABELS[key]) for key in keys] + [_("Help that came")])
        return self.compared(
            _("Offers, needs and introductions"),
            _("Bars: offers and needs made, introductions proposed by what became of them, "
              "and help that came, as the one who needed it told us."), names,
            [now.offers, now.needs, *(now.introductions[k] for k in keys), now.helped],
            [before.offers, before.needs, *(before.introductions[k] for k in keys),
             before.helped])

    def communities(self) -> str:
        _ = self._
        title = _("Joining and leaving communities")
        now = {f.code: f for f in self.report.now.communities}
        before = {f.code: f for f in self.report.earlier.communities}
        codes = list(now) + [code for code in before if code not in now]
        if not codes:
            return self.empty(title, _("Nobody joined or left a community in either period."))
        names = [(now.get(code) or before[code]).name for code in codes]
        # Four columns: joined and left, each this period and the one before.
        columns = []
        for key in ("joins", "leaves"):
            for flows in (now, before):
                values = [getattr(flows[c], key) if c in flows else 0 for c in codes]
                columns.append((values, hidden_parts(values)))
        # The chart draws the communities with a count to show; a row of nothing but
        # "under 5" bars says less than the table's line does.
        drawn = [i for i in range(len(codes)) if not all(hide[i] for _v, hide in columns)]
        what = _("Bars per community: people who joined and who left.")
        joined, left = _("People who joined"), _("People who left")
        everything = _("All communities")
        if drawn:
            def series(column: int) -> charts.Series:
                values, hide = columns[column]
                return charts.Series([values[i] for i in drawn], [hide[i] for i in drawn])

            chart = charts.compare_panels(
                [(joined, series(0), series(1)), (left, series(2), series(3))],
                [names[i] for i in drawn], words=self.words, description=what)
        else:
            chart = ""
        head = (f"<tr><th></th><th class=\"n\" colspan=\"2\">{escape(joined)}"
                f"</th><th class=\"n\" colspan=\"2\">{escape(left)}</th></tr><tr><th></th>"
                + (f"<th class=\"n\">{escape(self.words.now)}</th>"
                   f"<th class=\"n\">{escape(self.words.before)}</th>") * 2 + "</tr>")
        lines = [f"<tr><td>{escape(name)}</td>" + "".join(
            f"<td class=\"n\">{escape(self.count(values[i], hide[i]))}</td>"
            for values, hide in columns) + "</tr>" for i, name in enumerate(names)]
        lines.append(f"<tr class=\"total\"><td>{escape(everything)}</td>" + "".join(
            f"<td class=\"n\">{escape(self.count(sum(values)))}</td>" for values, _h in columns)
            + "</tr>")
        note = "" if len(drawn) == len(codes) else _(
            "Communities where every count is under {small} are in the table only.").format(
            small=SMALL)
        return self.section(title, what, chart, f"<table><thead>{head}</thead><tbody>"
                            f"{''.join(lines)}</tbody></table>", note, stacked=True)

    def feedback(self) -> str:
        _ = self._
        now, before = self.report.now.feedback, self.report.earlier.feedback
        kinds = list(now.by_kind)
        more = self.table([
            (_("Average rating (1 to 5)"), self.rating(now), self.rating(before)),
            (_("Answered, of those who gave a number"), self.share(now), self.share(before)),
        ])
        return self.compared(
            _("Feedback"), _("Bars per kind: praise, complaints and ideas."),
            [label(FEEDBACK_KINDS, kind, _) for kind in kinds],
            [now.by_kind[k] for k in kinds], [before.by_kind[k] for k in kinds],
            additive=True, total=_("All feedback"), more=more)

    def rating(self, feedback) -> str:
        from babel.numbers import format_decimal

        if is_small(feedback.ratings):
            return self.words.small
        return format_decimal(feedback.average_rating, "0.0", locale=self.locale)

    def share(self, feedback) -> str:
        from babel.numbers import format_percent

        if is_small(feedback.answerable):
            return self.words.small
        return format_percent(feedback.answered / feedback.answerable, locale=self.locale)

    def waits(self) -> str:
        _ = self._
        now, before = self.report.now, self.report.earlier
        names = [_("Feedback answered"), _("Offers decided"), _("Inbox texts handled")]
        pairs = [(now.feedback_waits, before.feedback_waits), (now.offer_waits,
                                                               before.offer_waits),
                 (now.inbox.waits, before.inbox.waits)]
        what = _("Bars: the median time citizens waited for an answer; the line reaches the "
                 "time within which 9 in 10 were answered.")
        chart = charts.waits(names, [_days(a) for a, _b in pairs], [_days(b) for _a, b in pairs],
                             words=self.words, too_few=_("fewer than {small} answers").format(
                                 small=SMALL), axis=_("days"),
                             whisker=_("9 in 10 answered within"), description=what)
        lines = [f"<tr><th></th><th class=\"n\">{escape(self.words.now)}</th>"
                 f"<th class=\"n\">{escape(self.words.before)}</th></tr>"]
        for name, (a, b) in zip(names, pairs):
            lines.append(f"<tr class=\"group\"><th colspan=\"3\">{escape(name)}</th></tr>")
            for measure, mine, theirs in (
                    (_("median"), self.wait(_shown_median(a)), self.wait(_shown_median(b))),
                    (_("9 in 10 within"), self.wait(_shown_p90(a)), self.wait(_shown_p90(b))),
                    (_("still waiting"), self.count(a.waiting), self.count(b.waiting))):
                lines.append(f"<tr><td>{escape(measure)}</td><td class=\"n\">{escape(mine)}</td>"
                             f"<td class=\"n\">{escape(theirs)}</td></tr>")
        return self.section(_("Waiting for an answer"), what, chart,
                            f"<table>{''.join(lines)}</table>",
                            _("Being taken seriously starts with an answer. Counted from "
                              "when the citizen wrote to a coordinator's answer or decision."))

    def inbox(self) -> str:
        _ = self._
        now, before = self.report.now.inbox, self.report.earlier.inbox
        keys = list(INBOX_OUTCOMES) + ["new"]

        def parts(inbox) -> list[int]:
            handled = sum(inbox.outcomes.values())
            return [inbox.outcomes[k] for k in INBOX_OUTCOMES] + [inbox.received - handled]

        return self.compared(
            _("Texts in the inbox"),
            _("Bars: texts that were no keyword, kept for a person, by what became of them."),
            [_(INBOX_LABELS[k]) for k in keys], parts(now), parts(before), additive=True,
            total=_("Received"))

    def languages(self) -> str:
        _ = self._
        now, before = self.report.now.people.languages, self.report.earlier.people.languages
        codes = list(now) + [code for code in before if code not in now]
        names = [_capital(language_name_in(code, self.locale)) if code
                 else _("Not chosen (Danish)") for code in codes]
        return self.compared(
            _("Languages"), _("Bars per language: people with a number, by the language "
                              "Fælles answers them in."), names,
            [now.get(c, 0) for c in codes], [before.get(c, 0) for c in codes], additive=True,
            total=_("People with a number"))

    def opt_outs(self) -> str:
        _ = self._
        return self.compared(
            _("Opt-outs"), _("Bars: numbers that texted STOP in the period and have not "
                             "texted START since."), [_("Opt-outs (STOP)")],
            [self.report.now.opt_outs], [self.report.earlier.opt_outs])

    def quotes(self) -> str:
        _ = self._
        title = _("In their own words")
        if not self.report.quotes:
            return self.empty(title, _("No feedback from this period was chosen to be quoted."))
        items = "\n".join(
            f"<blockquote><p>{escape(anonymise(quote['text']))}</p><p class=\"kind\">"
            f"{escape(label(FEEDBACK_KINDS, quote['kind'], _))}</p></blockquote>"
            for quote in self.report.quotes)
        what = _("Feedback a coordinator chose to quote, without names or numbers.")
        return (f"<section>\n<h2>{escape(title)}</h2>\n<p class=\"what\">{escape(what)}</p>\n"
                f"{items}\n</section>")

    def empty(self, title: str, text: str) -> str:
        return f"<section>\n<h2>{escape(title)}</h2>\n<p>{escape(text)}</p>\n</section>"


def report_html(report: Report, *, locale: str) -> str:
    """Return the report as one self-contained HTML page in the locale's language."""
    return _Page(report, locale).html()


def anonymise(text: str) -> str:
    """Return a quote without numbers or e-mail addresses, cut to a readable length."""
    text = _EMAIL.sub("[…]", _NUMBER.sub("[…]", " ".join(text.split())))
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE - 1].rstrip() + "…"


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]


def _shown_median(waits: Waits) -> timedelta | None:
    return None if is_small(waits.answered) else waits.median


def _shown_p90(waits: Waits) -> timedelta | None:
    return None if is_small(waits.answered) else waits.p90


def _days(waits: Waits) -> tuple[float, float] | None:
    if is_small(waits.answered):
        return None
    return waits.median / timedelta(days=1), waits.p90 / timedelta(days=1)


"""The report's charts as inline SVG, drawn with matplotlib, readable in black and white.

One visual language in every chart: a solid dark bar is this period, a hatched
white bar the period before, and an empty dashed bar a count under 5, labelled
as such rather than drawn to its size. Text is drawn as glyph outlines, shaped
by matplotlib's libraqm (Arabic letters joined, right-to-left runs in order),
because WeasyPrint draws SVG text letter by letter and would not join them.
Figures are made without pyplot, so charts can be drawn in a kiosk's worker thread.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import wraps
from itertools import count
from xml.sax.saxutils import escape, quoteattr

from shared.small_counts import SMALL

# Drawn in every script the catalogs use; Noto Sans Arabic where DejaVu lacks a letter.
FONTS = ("DejaVu Sans", "Noto Sans Arabic", "Noto Sans")
INK = "#1a1a1a"
NOW_FILL = "#4d4d4d"
BEFORE_HATCH = "////"
WIDTH = 4.3  # inches: the chart's share of an A4 page beside its numbers
_STYLE = {
    "font.family": FONTS, "font.size": 8, "svg.fonttype": "path", "hatch.linewidth": 0.6,
    "axes.edgecolor": INK, "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
    "text.color": INK, "axes.spines.top": False, "axes.spines.right": False,
}
_numbers = count(1)


def _styled(draw):
    """Draw with the report's style, leaving matplotlib's defaults alone for anyone else."""
    @wraps(draw)
    def drawn(*args, **kwargs):
        import matplotlib

        words = kwargs["words"]
        with matplotlib.rc_context({**_STYLE, "font.family": list(words.fonts)}):
            return draw(*args, **kwargs)

    return drawn


@dataclass(frozen=True)
class Words:
    """What the charts say, already in the report's language."""

    now: str  # "This period"
    before: str  # "The period before"
    small: str  # "under 5"
    fonts: tuple[str, ...] = FONTS  # the page's fonts, the script's own first


@dataclass(frozen=True)
class Series:
    """One bar per category (or week): the values, and which are shown only as 'under 5'."""

    values: Sequence[float]
    hidden: Sequence[bool]


@_styled
def compare(categories: Sequence[str], now: Series, before: Series, *, words: Words,
            description: str) -> str:
    """Return horizontal bars per category: this period above the period before."""
    figure, axes = _figure(0.55 + 0.36 * max(len(categories), 1))
    _paired(axes, categories, now, before, words)
    _legend(figure, words, any(now.hidden) or any(before.hidden))
    return _svg(figure, description)


@_styled
def compare_panels(panels: Sequence[tuple[str, Series, Series]], categories: Sequence[str], *,
                   words: Words, description: str) -> str:
    """Return side-by-side panels of compared bars over the same categories (joins, leaves)."""
    figure, axes = _figure(0.75 + 0.36 * max(len(categories), 1), columns=len(panels))
    for number, (ax, (title, now, before)) in enumerate(zip(axes, panels)):
        _paired(ax, categories, now, before, words)
        ax.set_title(title, fontsize=8, fontweight="bold")
        if number:  # the categories are named once, beside the first panel
            ax.tick_params(labelleft=False)
    _legend(figure, words, any(any(p[1].hidden) or any(p[2].hidden) for p in panels))
    return _svg(figure, description)


@_styled
def weekly(panels: Sequence[tuple[str, Series, Series]], weeks_before: Sequence[str],
           weeks_now: Sequence[str], *, words: Words, axis: str, description: str) -> str:
    """Return one panel per measure: the weeks before, a gap, then this period's weeks."""
    figure, axes = _figure(0.9 + 1.35 * len(panels), rows=len(panels))
    slots = list(range(len(weeks_before))) + [len(weeks_before) + 0.6 + n
                                               for n in range(len(weeks_now))]
    for ax, (title, now, before) in zip(axes, panels):
        values = list(before.values) + list(now.values)
        hidden = list(before.hidden) + list(now.hidden)
        period_of = [False] * len(weeks_before) + [True] * len(weeks_now)
        top = max([v for v, h in zip(values, hidden) if not h] + [SMALL]) * 1.25
        for x, value, hide, is_now in zip(slots, values, hidden, period_of):
            if hide:  # too narrow for the words: the legend names the dashed bar
                ax.bar(x, SMALL, width=0.7, fill=False, edgecolor=INK, linestyle=(0, (3, 2)),
                       linewidth=0.8)
            else:
                ax.bar(x, value, width=0.7, **_look(is_now))
                ax.text(x, value + top * 0.02, _number(value), ha="center", va="bottom",
                        fontsize=7)
        ax.set_ylim(0, top)
        ax.set_title(title, fontsize=8, fontweight="bold", loc="left")
        ax.set_xticks(slots, list(weeks_before) + list(weeks_now))
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        if weeks_before and weeks_now:
            ax.axvline(len(weeks_before) - 0.2, color=INK, linewidth=0.6, linestyle=":")
    axes[-1].set_xlabel(axis)
    _legend(figure, words, True)
    return _svg(figure, description)


@_styled
def waits(categories: Sequence[str], now: Sequence[tuple[float, float] | None],
          before: Sequence[tuple[float, float] | None], *, words: Words, too_few: str,
          axis: str, whisker: str, description: str) -> str:
    """Return bars of median waits with a whisker to the 90th percentile, in days.

    A measure made from under 5 answers is left out, and the chart says so there.
    """
    figure, axes = _figure(0.8 + 0.5 * len(categories))
    top = max([p for pair in (*now, *before) if pair for p in pair] + [1]) * 1.3
    for row, (label, mine, theirs) in enumerate(zip(categories, now, before)):
        for offset, pair, is_now in ((-0.2, mine, True), (0.2, theirs, False)):
            y = row + offset
            if pair is None:
                axes.text(top * 0.01, y, too_few, va="center", fontsize=6.5, style="italic")
                continue
            middle, high = pair
            axes.barh(y, middle, height=0.36, **_look(is_now))
            axes.plot([middle, high], [y, y], color=INK, linewidth=0.8)
            axes.plot([high], [y], marker="|", markersize=7, color=INK)
    axes.set_yticks(range(len(categories)), categories)
    axes.invert_yaxis()
    axes.set_xlim(0, top)
    axes.set_xlabel(axis)
    handles = _handles(words)[:2]
    from matplotlib.lines import Line2D

    handles.append(Line2D([], [], color=INK, marker="|", markersize=7, linewidth=0.8,
                          label=whisker))
    figure.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False,
                  fontsize=7)
    return _svg(figure, description)


# -- drawing ---------------------------------------------------------------------------------

def _figure(height: float, *, rows: int = 1, columns: int = 1):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, height), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    flat = [ax for line in axes for ax in line]
    return figure, flat if len(flat) > 1 else flat[0]


def _look(is_now: bool) -> dict:
    if is_now:
        return {"facecolor": NOW_FILL, "edgecolor": INK, "linewidth": 0.6}
    return {"facecolor": "white", "edgecolor": INK, "hatch": BEFORE_HATCH, "linewidth": 0.6}


def _paired(axes, categories, now: Series, before: Series, words: Words) -> None:
    shown = [v for s in (now, before) for v, h in zip(s.values, s.hidden) if not h]
    top = max(shown + [SMALL]) * 1.3
    for row in range(len(categories)):
        for offset, series, is_now in ((-0.2, now, True), (0.2, before, False)):
            y, value = row + offset, series.values[row]
            if series.hidden[row]:
                axes.barh(y, SMALL, height=0.36, fill=False, edgecolor=INK,
                          linestyle=(0, (3, 2)), linewidth=0.8)
                axes.text(SMALL + top * 0.015, y, words.small, va="center", fontsize=6.5)
            else:
                axes.barh(y, value, height=0.36, **_look(is_now))
                axes.text(value + top * 0.015, y, _number(value), va="center", fontsize=7)
    axes.set_yticks(range(len(categories)), categories)
    axes.invert_yaxis()
    axes.set_xlim(0, top)
    axes.set_xticks([])
    axes.spines["bottom"].set_visible(False)


def _handles(words: Words, small: str | None = None) -> list:
    from matplotlib.patches import Patch

    handles = [Patch(label=words.now, **_look(True)), Patch(label=words.before, **_look(False))]
    if small:
        handles.append(Patch(fill=False, edgecolor=INK, linestyle=(0, (3, 2)), label=small))
    return handles


def _legend(figure, words: Words, with_small: bool) -> None:
    figure.legend(handles=_handles(words, words.small if with_small else None),
                  loc="outside lower center", ncols=3, frameon=False, fontsize=7)


def _number(value: float) -> str:
    return f"{value:g}"


def _svg(figure, description: str) -> str:
    """Return the figure as an <svg> element for inline HTML, labelled for screen readers."""
    buffer = io.StringIO()
    # No date in the file: the same figures make the same report.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    # matplotlib's RDF block says only that this is an image made by matplotlib.
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    # Many charts share one page: give each its own ids (glyphs, clips, hatches).
    prefix = f"c{next(_numbers)}-"
    for name in set(re.findall(r'\bid="([^"]+)"', svg)):
        svg = (svg.replace(f'id="{name}"', f'id="{prefix}{name}"')
                  .replace(f'#{name}"', f'#{prefix}{name}"')
                  .replace(f'#{name})', f'#{prefix}{name})'))
    # Screen readers read the label and skip the drawing; the <title> is a tooltip.
    svg = svg.replace("<svg ", f"<svg role=\"img\" aria-label={quoteattr(description)} ", 1)
    svg = re.sub(r"(<svg[^>]*>)", lambda m: f"{m.group(1)}<title>{escape(description)}</title>",
                 svg, count=1)
    return svg

"""Tests for shared.report_charts: a count under 5 is never drawn to its size."""

import re

from shared import report_charts as charts
from shared.small_counts import SMALL

WORDS = charts.Words(now="This period", before="The period before", small="under 5")


def drawn(now, before):
    """Draw one compared pair of bars per category; return the axes."""
    from matplotlib.figure import Figure

    axes = Figure().subplots()
    charts._paired(axes, ["Munkebo", "Martofte"], charts.Series(now, [n < SMALL for n in now]),
                   charts.Series(before, [b < SMALL for b in before]), WORDS)
    return axes


def test_a_small_count_is_an_empty_dashed_bar_labelled_under_5():
    axes = drawn([12, 3], [7, 1])
    bars = [(round(p.get_width(), 3), p.get_fill(), p.get_linestyle()) for p in axes.patches]
    # Munkebo: 12 and 7 drawn to size; Martofte: both hidden, drawn to 5, empty, dashed.
    assert bars[0] == (12, True, "solid") and bars[1] == (7, True, "solid")
    assert [width for width, _fill, _style in bars[2:]] == [SMALL, SMALL]
    assert all(not fill and style != "solid" for _width, fill, style in bars[2:])
    labels = [t.get_text() for t in axes.texts]
    assert labels == ["12", "7", "under 5", "under 5"]  # never the 3 or the 1


def test_this_period_is_solid_and_the_one_before_hatched():
    axes = drawn([12, 9], [7, 8])
    now, before = axes.patches[0], axes.patches[1]
    assert now.get_hatch() is None and before.get_hatch() == charts.BEFORE_HATCH
    assert before.get_facecolor()[:3] == (1.0, 1.0, 1.0)  # white: reads in black and white


def test_each_chart_is_labelled_and_has_its_own_ids():
    one = charts.compare(["A"], charts.Series([9], [False]), charts.Series([3], [True]),
                         words=WORDS, description="Bars per town.")
    two = charts.compare(["A"], charts.Series([9], [False]), charts.Series([3], [True]),
                         words=WORDS, description="Bars per town.")
    assert one.startswith('<svg role="img" aria-label="Bars per town."')
    assert "<title>Bars per town.</title>" in one and "<metadata>" not in one
    ids = set(re.findall(r'\bid="([^"]+)"', one)) & set(re.findall(r'\bid="([^"]+)"', two))
    assert ids == set()

"""Tests for shared.small_counts: what a published count may show."""

import pytest

from shared.small_counts import SMALL, hidden_parts, is_small


def test_under_five_is_small_and_zero_too():
    assert SMALL == 5
    assert [is_small(n) for n in (0, 1, 4, 5, 12)] == [True, True, True, False, False]


@pytest.mark.parametrize(("parts", "hidden"), [
    ((12, 7, 9), (False, False, False)),
    # One hidden part beside a shown total would be total minus the others:
    # the next smallest is hidden with it.
    ((12, 3, 9), (False, True, True)),
    ((3, 4, 20), (True, True, False)),
    ((3, 0, 20, 8), (True, True, False, False)),
    ((4,), (True,)),
    ((), ()),
])
def test_parts_beside_a_total(parts, hidden):
    assert hidden_parts(parts) == hidden

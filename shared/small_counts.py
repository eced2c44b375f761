"""Which counts a published report may show: in a small town a small number points at a person.

"2 complaints from Martofte this month" tells the neighbours who complained.
So every count under SMALL is shown as "under 5", in the numbers and in the
charts, and so is anything worked out from fewer than SMALL people (an average
rating, a median wait). Counts shown beside their total are protected against
subtraction too: when only one part is hidden, the total minus the others would
give it away, so the next smallest part is hidden with it.
"""

from __future__ import annotations

from collections.abc import Sequence

SMALL = 5


def is_small(count: int) -> bool:
    """Tell whether a count must be shown as 'under 5'."""
    return count < SMALL


def hidden_parts(parts: Sequence[int]) -> tuple[bool, ...]:
    """Return, for parts shown beside their total, which of them to show as 'under 5'."""
    hidden = [is_small(count) for count in parts]
    if sum(hidden) == 1 and len(parts) > 1:
        shown = [index for index, hide in enumerate(hidden) if not hide]
        hidden[min(shown, key=lambda index: parts[index])] = True
    return tuple(hidden)

"""Whether the rival structures agree on what a slide shows (issue 21, item 4).

Over a model-averaged ensemble each replication draws a structure with its parameters, and
both conditions of a slide run the same draw. The slide's conclusion is the change in the
outcome from the first condition to another; this module splits that change by the structure
each run drew, so that a slide whose structures move the outcome opposite ways says so rather
than showing only the pooled band.

The rule: the structures *disagree* when, among the structures with at least
:data:`MIN_RUNS` runs, one's mean change is above zero and another's below it. A structure
with fewer runs is listed but not judged (its mean is mostly noise). With 20 runs a slide
separates large opposite effects, not small ones: the split says what these runs show, not
a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_RUNS = 3
"""Runs a structure needs before its mean change counts towards agreement."""


@dataclass(frozen=True)
class StructureSplit:
    """The change from one condition to another, by the structure each run drew.

    Attributes:
        changes: Per structure (most runs first): runs and the mean change over them.
        disagree: Whether two judged structures move the outcome in opposite directions.
    """

    changes: dict[str, dict[str, float]]
    disagree: bool

    def sentence(self, outcome: str, plain: bool = False) -> str:
        """The split in one line, e.g. ``the rival structures disagree on the change in ...: a +3.1 (11 runs), ...``.

        Args:
            outcome: The outcome's name, or its plain words.
            plain: Structure names in words (``candidate 2027``), for a slide.
        """
        parts = ", ".join(f"{name.replace('_', ' ') if plain else name} {c['mean_change']:+.3g} "
                          f"({int(c['runs'])} runs)" for name, c in self.changes.items())
        verdict = "disagree on" if self.disagree else "agree on the direction of"
        return f"the rival structures {verdict} the change in {outcome}: {parts}"

    def record(self, outcome: str) -> dict[str, object]:
        """The split for a figure's JSON record."""
        return {"changes": self.changes, "disagree": self.disagree, "sentence": self.sentence(outcome)}


def split_by_structure(before: Sequence[float], after: Sequence[float], structures: Sequence[str]) -> StructureSplit:
    """Split paired changes (``after - before``, run by run) by each run's structure.

    Args:
        before: The outcome of each run under the first condition.
        after: The same runs' outcome under another condition (same seeds, same draws).
        structures: The structure each run drew.

    Raises:
        ValueError: Unless the three have one entry per run.
    """
    if not len(before) == len(after) == len(structures):
        raise ValueError("one value per run in each condition, and one structure per run")
    change = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    labels = np.asarray(structures, dtype=str)
    names = sorted(set(labels.tolist()), key=lambda n: (-int((labels == n).sum()), n))
    changes = {n: {"runs": float((labels == n).sum()), "mean_change": float(change[labels == n].mean())}
               for n in names}
    judged = [c["mean_change"] for c in changes.values() if c["runs"] >= MIN_RUNS]
    return StructureSplit(changes, disagree=any(v > 0 for v in judged) and any(v < 0 for v in judged))

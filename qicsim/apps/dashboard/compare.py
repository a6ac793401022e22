"""The compare tab: a context with and without, over many run numbers, on the same axes.

One run number (seed) can tell the opposite of most: for meetings in care homes, seeds 3 and 4
did (issue 23). So the tab runs 10-20 run numbers per condition through the evaluator
(:func:`qicsim.run.evaluator.evaluate`), draws each condition's median and range over weeks on
shared axes, says in how many run numbers the lesson holds (the outcome moves the way the
theory expects when the context is present), and says so when the run number shown in the live
view goes against the median.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from qicsim.apps.dashboard.charts import mark_support
from qicsim.apps.dashboard.view import DPI, font
from qicsim.model import QICModel
from qicsim.model.contexts import BY_NAME
from qicsim.model.series import SERIES_INDEX


@dataclass(frozen=True)
class Outcome:
    """An outcome the tab can compare.

    Attributes:
        series: The weekly series (``qicsim.model.series``), summed over sites.
        weekly: True if the series is a week's value (then it is shown as a running total).
    """

    series: str
    weekly: bool = False


OUTCOMES: dict[str, Outcome] = {
    "improvements implemented": Outcome("implemented"),
    "improvements still in place": Outcome("in_place"),
    "meeting attendances": Outcome("attendances"),
    "attendances by care home staff": Outcome("attendances_care_home"),
    "QIC hours members had": Outcome("qic_hours", weekly=True),
    "tests of change (PDSA cycles)": Outcome("pdsa_cycles"),
    "tests of change measured": Outcome("measured_cycles"),
    "projects led by care home staff": Outcome("projects_led_care_home"),
    "improvements spread from another home": Outcome("spread_implemented"),
}
"""The outcomes on offer, by their plain names (each a total over sites, so far)."""

SEED_COUNTS = (10, 15, 20)
CONDITION_COLOURS = ("#0072B2", "#D55E00")  # Okabe-Ito blue (with) and vermillion (without)
COMPARE_PX = (900, 380)


def outcome_path(model: QICModel, outcome: Outcome) -> np.ndarray:
    """An outcome over the weeks of a finished run, summed over sites (weekly ones as running totals)."""
    values = model.series.values[: model.week, :, SERIES_INDEX[outcome.series]].sum(axis=1)
    return np.cumsum(values) if outcome.weekly else values


def expected_sign(context: str, outcome: Outcome) -> int:
    """The direction the theory expects for an outcome when the context is present (+1 unless it says)."""
    for expectation in BY_NAME[context].expected:
        if expectation.measure == outcome.series:
            return expectation.sign
    return 1


@dataclass
class Comparison:
    """Each condition's outcome over weeks, one row per run number (``with_`` and ``without``: seeds x weeks)."""

    context: str
    outcome_name: str
    levels: tuple[float, float]
    seeds: tuple[int, ...]
    with_: np.ndarray
    without: np.ndarray

    @property
    def sign(self) -> int:
        """The direction the lesson expects (+1: higher with the context)."""
        return expected_sign(self.context, OUTCOMES[self.outcome_name])

    def ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Each run number's outcome at the end, with and without."""
        return self.with_[:, -1], self.without[:, -1]

    def holds(self) -> np.ndarray:
        """Per run number: whether the outcome moved the way the lesson says (ties: it did not)."""
        with_end, without_end = self.ends()
        return np.sign(with_end - without_end) == self.sign

    def summary(self) -> str:
        """The comparison in two plain sentences."""
        with_end, without_end = self.ends()
        held = self.holds()
        direction = "higher" if self.sign > 0 else "lower"
        code = BY_NAME[self.context].code
        return (f"{self.outcome_name.capitalize()} at the end, median (range) over {len(self.seeds)} run numbers: "
                f"{median_range(with_end)} with {code} at {self.levels[0]:g}, {median_range(without_end)} "
                f"without it. {direction.capitalize()} with it in {int(held.sum())} of {len(held)} run numbers "
                f"({100 * held.mean():.0f}%).")

    def against(self, seed: int) -> str | None:
        """A note if the run number shown in the live view tells the opposite of the medians, else None."""
        if seed not in self.seeds:
            return None
        i = self.seeds.index(seed)
        with_end, without_end = self.ends()
        median_says = np.sign(np.median(with_end) - np.median(without_end))
        seed_says = np.sign(with_end[i] - without_end[i])
        if median_says == 0 or seed_says == median_says:
            return None
        if seed_says == 0:
            return (f"Run number {seed}, the one in the live view, shows no difference ({with_end[i]:g} with the "
                    f"context and without), while the median does. One run is not the answer.")
        return (f"Run number {seed}, the one in the live view, goes against the median: "
                f"{with_end[i]:g} with the context, {without_end[i]:g} without. One run is not the answer.")


def median_range(values: np.ndarray) -> str:
    """``11 (6-15)``: the median and the range of some numbers, rounded."""
    return f"{np.median(values):.0f} ({values.min():.0f}-{values.max():.0f})"


def compare_runs(kwargs_with: dict, kwargs_without: dict, seeds: tuple[int, ...], context: str,
                 outcome_name: str, levels: tuple[float, float],
                 progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run both conditions on the same run numbers through the evaluator, keeping the outcome's path.

    Args:
        kwargs_with: The model's keywords with the context at ``levels[0]``.
        kwargs_without: The same at ``levels[1]``.
        seeds: The run numbers, the same for both conditions.
        context: The context compared.
        outcome_name: A key of :data:`OUTCOMES`.
        levels: The context's intensity in each condition.
        progress: Called with (runs done, runs in all) after each run.

    Returns:
        The comparison.
    """
    from qicsim.run.evaluator import Replication, evaluate

    outcome = OUTCOMES[outcome_name]
    runs = [Replication(seed, kwargs, index) for kwargs in (kwargs_with, kwargs_without)
            for index, seed in enumerate(seeds)]
    paths = []
    for done, path in enumerate(evaluate(runs, lambda model, _: outcome_path(model, outcome)), start=1):
        paths.append(path)
        if progress is not None:
            progress(done, len(runs))
    n = len(seeds)
    return Comparison(context, outcome_name, levels, tuple(seeds), np.array(paths[:n]), np.array(paths[n:]))


def draw_comparison(comparison: Comparison, calendar: QICModel, shown_seed: int | None = None) -> Figure:
    """Median and range of each condition over weeks on one axis; beside it, each run number's difference.

    Args:
        comparison: The runs.
        calendar: A model of the scenario, for the end of support and the learning events.
        shown_seed: The live view's run number, drawn thin (None: not drawn).
    """
    fig = Figure(figsize=(COMPARE_PX[0] / DPI, COMPARE_PX[1] / DPI), dpi=DPI)
    left, right = fig.subplots(1, 2, width_ratios=(2.3, 1))
    code = BY_NAME[comparison.context].code
    weeks = np.arange(comparison.with_.shape[1])
    names = (f"with {code} at {comparison.levels[0]:g}", f"without {code} (0)")
    for paths, name, colour in zip((comparison.with_, comparison.without), names, CONDITION_COLOURS, strict=True):
        # One band filled, the other hatched: where they overlap both stay readable (filled ones mixed to brown).
        hatched = colour == CONDITION_COLOURS[1]
        left.fill_between(weeks, paths.min(axis=0), paths.max(axis=0), label=f"{name}: range",
                          facecolor="none" if hatched else colour, alpha=None if hatched else 0.2,
                          edgecolor=colour if hatched else "none", hatch="///" if hatched else None, linewidth=0)
        left.plot(weeks, np.median(paths, axis=0), color=colour, linewidth=2.4, label=f"{name}: median")
        if shown_seed in comparison.seeds:
            left.plot(weeks, paths[comparison.seeds.index(shown_seed)], color=colour, linewidth=1.2, linestyle=":",
                      label=f"run number {shown_seed} (dotted)" if colour == CONDITION_COLOURS[0] else None)
    mark_support(left, calendar)
    left.set_xlim(0, weeks[-1] if len(weeks) else 1)
    left.set_ylim(0, None)
    left.set_xlabel("week", fontsize=font(), labelpad=0)
    left.set_title(f"{comparison.outcome_name}, total over sites", fontsize=font())
    left.tick_params(labelsize=font())
    left.legend(fontsize=font(), loc="upper left", frameon=False, handlelength=1.2, labelspacing=0.2)
    top = max(float(comparison.with_.max()), float(comparison.without.max()), 1.0)
    left.set_ylim(0, top * 1.75)  # room for the legend above the bands
    with_end, without_end = comparison.ends()
    difference = with_end - without_end
    held = comparison.holds()
    x = np.arange(len(difference))
    right.axhline(0, color="black", linewidth=0.8)
    right.scatter(x[held], difference[held], color=CONDITION_COLOURS[0], marker="o", s=36, label="lesson holds")
    right.scatter(x[~held], difference[~held], color=CONDITION_COLOURS[1], marker="X", s=48, label="it does not")
    right.set_xticks([])
    right.set_xlabel("each run number", fontsize=font(), labelpad=2)
    right.set_title("with minus without, at the end", fontsize=font())
    right.tick_params(labelsize=font())
    span = max(float(np.abs(difference).max()), 1.0)
    right.set_ylim(-span * 1.2, span * 2.0)
    right.legend(fontsize=font(), loc="upper left", frameon=False, handletextpad=0.2, labelspacing=0.2)
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout(pad=0.4, w_pad=1.0)
    return fig

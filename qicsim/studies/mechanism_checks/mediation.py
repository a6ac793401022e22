"""Mediation: how much of a context's effect runs through each state it is meant to act through.

For each replication seed, linked runs sharing the seed (common random numbers): the
baseline (the scenario, PEACH), the switched condition (the context off; data support on for
C10), and the switched condition with mediators held, from the state set-up leaves and then week
by week, post by post, at the baseline's trajectory (:mod:`qicsim.model.mediators`): **each mediator alone**, and, for a
context with several, all of them together (the bundle). From mean paired differences:

- ``share alone(m) = 1 - (held_m - baseline) / (switched - baseline)``: the part of the
  effect on the outcome that holding mediator ``m`` alone removes. Each path of a context with
  several mediators is reported on its own, so a cut path shows as a share that collapses
  (C9's cross-site ties: spread travels along them).
- ``direct share = (held_all - baseline) / (switched - baseline)``: the effect left when
  every declared mediator is held, i.e. the part that goes around them. It is near 0 only if
  the context acts only through its mediators; a direct path (a gate reading the context
  somewhere else) leaves its part here.

For a context that writes nothing but its one mediator, holding it makes the held run the
baseline bit for bit: the direct share is then exactly 0, *because* nothing goes around the
mediator; a mechanism changed to act elsewhere too makes it non-zero
(:mod:`qicsim.studies.mechanism_checks.mutants` has such a mutant, and the mutation suite
shows it caught).

Timing: in the weekly series of the baseline and switched runs, the first week at which each
mediator's summary (its mean over posts, pairs or homes) differs by ``Z_TIMING`` paired
standard errors (:func:`first_week_apart`), and the first week the outcome's weekly series
does. A mediator on the path must move no later than the outcome it carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qicsim.model import QICModel
from qicsim.model.contexts import BY_CODE, BY_NAME, ContextInfo, resolve_intensities
from qicsim.model.outcomes import outcome_rows
from qicsim.model.series import SERIES_INDEX
from qicsim.run.evaluator import Replication, pool_map, run_model
from qicsim.studies.mechanism_checks.runs import condition_kwargs, seeds, with_context, without
from qicsim.studies.paired import Effect, paired_effect

Z_TIMING = 3.0
BASE, SWITCHED, BUNDLE = "base", "switched", "held:all"


def held(mediator: str) -> str:
    """The name of the switched condition with one mediator held at the baseline's trajectory."""
    return f"held:{mediator}"


def switch(info: ContextInfo) -> tuple[str, ...]:
    """The switch of the CMO tests: C1-C9 from PEACH to off, C10 from off to on."""
    return without(info.name) if info.kind == "enabling" else with_context(info.name)


@dataclass(frozen=True)
class SeedRuns:
    """The linked runs of one seed (picklable: a worker process runs them).

    Attributes:
        seed: The replication seed, shared by every run.
        context: Context name.
        scenario: The baseline scenario.
        extra: Further conditions, name -> overrides, whose outcome and indicator are kept
            (the dose-response levels of the mechanism battery). A condition that resolves to
            the same run as the baseline or the switched one is not run again.
    """

    seed: int
    context: str
    scenario: str = "peach"
    extra: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())


def _summary(trajectory: np.ndarray) -> np.ndarray:
    """A mediator's weekly summary: its mean over posts, pairs or homes, week by week (the start left out)."""
    weeks = trajectory[1:]
    return weeks.reshape(weeks.shape[0], -1).mean(axis=1, dtype=np.float64)


def _same_run(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two sets of model keyword arguments make the same run (contexts compared once resolved)."""
    if {k: v for k, v in a.items() if k != "contexts"} != {k: v for k, v in b.items() if k != "contexts"}:
        return False
    n_sites, weeks = len(a["homes_per_site"]), a["collaborative_weeks"] + a["follow_up_weeks"]
    return np.array_equal(resolve_intensities(a["contexts"], n_sites, weeks),
                          resolve_intensities(b["contexts"], n_sites, weeks))


def run_linked(task: SeedRuns) -> dict[str, Any]:
    """Run one seed's linked runs and keep what the analyses read (plain data).

    The held runs need the baseline's recorded trajectories, too large to send back from a
    worker (ties are posts x posts a week), so every linked run of a seed is made here, in one
    worker.

    Returns:
        ``outcome`` and ``indicator``: condition name -> value (``base``, ``switched``,
        ``held:<mediator>``, ``held:all`` with several mediators, and the extra conditions);
        ``mediators``: mediator -> (baseline, switched) weekly summaries; ``series``: the
        outcome's weekly series (summed over sites) of the baseline and switched runs.
    """
    info = BY_NAME[task.context]
    base_kwargs = condition_kwargs((), task.scenario)
    switched_kwargs = condition_kwargs(switch(info), task.scenario)
    record = {"record": info.mediators}
    base = run_model(Replication(task.seed, {**base_kwargs, **record}))
    changed = run_model(Replication(task.seed, {**switched_kwargs, **record}))
    runs: dict[str, QICModel] = {BASE: base, SWITCHED: changed}
    holds = {held(m): (m,) for m in info.mediators}
    if len(info.mediators) > 1:
        holds[BUNDLE] = info.mediators
    # Holding a run's mediators at their own trajectory changes nothing (tests/test_mechanism_tools.py), so where
    # the switch left every mediator as it was (a mechanism that ignores its context) the held runs are the
    # switched run itself (for ties, up to the float32 rounding a hold applies).
    unmoved = all(np.array_equal(base.mediation.recorded[m], changed.mediation.recorded[m]) for m in info.mediators)
    for name, mediators in holds.items():
        hold = {m: base.mediation.recorded[m] for m in mediators}
        runs[name] = changed if unmoved else run_model(Replication(task.seed, {**switched_kwargs, "hold": hold}))
    for name, overrides in task.extra:
        kwargs = condition_kwargs(overrides, task.scenario)
        same = BASE if _same_run(kwargs, base_kwargs) else SWITCHED if _same_run(kwargs, switched_kwargs) else None
        runs[name] = runs[same] if same else run_model(Replication(task.seed, kwargs))
    series = SERIES_INDEX[info.outcome_series]
    return {
        "outcome": {name: float(outcome_rows(m)[0][info.outcome]) for name, m in runs.items()},
        "indicator": {name: m.counts.total(info.indicator) for name, m in runs.items()},
        "mediators": {m: (_summary(base.mediation.recorded[m]), _summary(changed.mediation.recorded[m]))
                      for m in info.mediators},
        "series": (base.series.values[:, :, series].sum(axis=1), changed.series.values[:, :, series].sum(axis=1)),
    }


@dataclass(frozen=True)
class LinkedRuns:
    """One context's linked runs over every seed, stacked: what the mediation and the battery read.

    Attributes:
        context: Context name.
        outcome: Condition -> the outcome of each seed.
        indicator: Condition -> the indicator's total of each seed.
        mediators: Mediator -> array (seeds, 2, weeks): baseline and switched weekly summaries.
        series: Array (seeds, 2, weeks): the outcome's weekly series, baseline and switched.
    """

    context: str
    outcome: dict[str, np.ndarray]
    indicator: dict[str, np.ndarray]
    mediators: dict[str, np.ndarray]
    series: np.ndarray

    @classmethod
    def stack(cls, context: str, per_seed: list[dict[str, Any]]) -> LinkedRuns:
        """Stack the per-seed results of :func:`run_linked` (in seed order)."""
        first = per_seed[0]
        return cls(
            context=context,
            outcome={c: np.array([r["outcome"][c] for r in per_seed]) for c in first["outcome"]},
            indicator={c: np.array([r["indicator"][c] for r in per_seed]) for c in first["indicator"]},
            mediators={m: np.array([r["mediators"][m] for r in per_seed]) for m in first["mediators"]},
            series=np.array([r["series"] for r in per_seed]))


def linked_runs(context: str, *, replications: int, master_seed: int, workers: int = 1, scenario: str = "peach",
                extra: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> LinkedRuns:
    """Run one context's linked runs for every seed (the evaluator's pool; same results serial or parallel)."""
    tasks = [SeedRuns(seed, context, scenario, extra) for seed in seeds(master_seed, replications)]
    return LinkedRuns.stack(context, list(pool_map(run_linked, tasks, workers)))


@dataclass(frozen=True)
class MediationResult:
    """One context's mediation analysis.

    Attributes:
        context: Context name.
        mediators: The mediators, each held alone (and together when several).
        outcome: What the effect is read on: the outcome the programme theory names (``ContextInfo.outcome``),
            or the context's mechanism count (``ContextInfo.indicator``).
        effect: Switched minus baseline on it (paired).
        held: Switched-with-every-mediator-held minus baseline on the outcome (paired).
        alone: Per mediator, switched-with-it-alone-held minus baseline (paired).
        mediator_weeks: Per mediator, the first week it differs between baseline and switched (or None).
        outcome_week: First week the outcome's weekly series differs (or None).
        outcome_series: The weekly series used for the outcome's timing.
    """

    context: str
    mediators: tuple[str, ...]
    outcome: str
    effect: Effect
    held: Effect
    alone: tuple[Effect, ...]
    mediator_weeks: tuple[int | None, ...]
    outcome_week: int | None
    outcome_series: str

    def _removed(self, remaining: Effect) -> float:
        if self.effect.diff == 0:
            return float("nan")
        return 1.0 - remaining.diff / self.effect.diff

    @property
    def share_removed(self) -> float:
        """Share of the effect on the outcome that holding every mediator removes."""
        return self._removed(self.held)

    @property
    def direct_share(self) -> float:
        """Share of the effect left with every mediator held: the part that goes around them."""
        return 1.0 - self.share_removed

    def share_alone(self, mediator: str) -> float:
        """Share of the effect that holding this mediator alone removes."""
        return self._removed(self.alone[self.mediators.index(mediator)])

    @property
    def mediator_week(self) -> int | None:
        """First week the first (primary) mediator moves."""
        return self.mediator_weeks[0]

    @classmethod
    def from_runs(cls, runs: LinkedRuns, measure: str = "outcome") -> MediationResult:
        """The analysis of one context's linked runs (seeds where any run's value is undefined are dropped).

        Args:
            runs: The linked runs.
            measure: ``outcome`` (the context's outcome) or ``indicator`` (its mechanism count): what
                the effect and the shares are read on.
        """
        info = BY_NAME[runs.context]
        bundle = BUNDLE if len(info.mediators) > 1 else held(info.mediators[0])  # one mediator: it is the bundle
        read = runs.outcome if measure == "outcome" else runs.indicator
        values = {name: read[name] for name in (BASE, SWITCHED, *(held(m) for m in info.mediators), bundle)}
        keep = np.all([np.isfinite(v) for v in values.values()], axis=0)
        values = {name: v[keep] for name, v in values.items()}

        def against_base(name: str) -> Effect:
            return paired_effect(values[BASE], values[name])

        return cls(
            context=info.name, mediators=info.mediators,
            outcome=info.outcome if measure == "outcome" else info.indicator,
            effect=against_base(SWITCHED), held=against_base(bundle),
            alone=tuple(against_base(held(m)) for m in info.mediators),
            mediator_weeks=tuple(first_week_apart(runs.mediators[m][:, 0], runs.mediators[m][:, 1])
                                 for m in info.mediators),
            outcome_week=first_week_apart(runs.series[:, 0], runs.series[:, 1]),
            outcome_series=info.outcome_series)


def first_week_apart(baseline: np.ndarray, changed: np.ndarray, z_min: float = Z_TIMING) -> int | None:
    """First week at which two paired sets of weekly series differ by ``z_min`` standard errors.

    Args:
        baseline: Array of shape (replications, weeks), the baseline condition.
        changed: The same for the changed condition (same seeds, same order).
        z_min: The bar.

    Returns:
        The week, or None if they never differ so clearly.
    """
    diff = changed - baseline
    se = diff.std(axis=0, ddof=1) / np.sqrt(diff.shape[0])
    mean = diff.mean(axis=0)
    apart = np.abs(mean) >= z_min * np.where(se > 0, se, np.inf)
    apart |= (se == 0) & (mean != 0)
    weeks = np.flatnonzero(apart)
    return int(weeks[0]) if len(weeks) else None


def mediation(context: str, *, replications: int = 50, master_seed: int = 4242, workers: int = 1,
              scenario: str = "peach") -> MediationResult:
    """Run the mediation analysis of one context.

    Args:
        context: Context name or code.
        replications: Seeds (each gives 2 runs, plus one per mediator, plus the bundle when several).
        master_seed: Master seed of the replication seeds.
        workers: Processes.
        scenario: The baseline scenario.

    Returns:
        The result.
    """
    info = BY_CODE.get(context) or BY_NAME[context]
    runs = linked_runs(info.name, replications=replications, master_seed=master_seed, workers=workers,
                       scenario=scenario)
    return MediationResult.from_runs(runs)

"""The budget question: which mix and intensities of funded items buy the most effect within a budget.

The caller supplies the items (each with a planned funder cost as a function of its intensity) and an
``evaluate(mix)`` that runs the mix on the common draws (the same seeds and ensemble draws for every
mix) and returns per-draw costs and effects. :func:`best_mix` maximises the mean effect over draws
subject to the planned cost staying within the budget.

How it searches, and why:

* **Exhaustive grid** when every item has a finite list of intensity ``levels`` and the grid has at
  most ``max_grid`` points: every affordable mix is run once, so the best, the runners-up and their
  ranking are exact on that grid (nothing is left to an optimiser's luck), and mixes over budget are
  never simulated.
* **Differential evolution** (:func:`scipy.optimize.differential_evolution`, seeded) otherwise, after
  the cheapest mix (every item at its lowest level), which is always run so that a costly mix never wins
  over it at an equal effect: it needs no gradient (the simulated effect is noisy and stepwise in
  intensity), handles integer levels through ``integrality`` and the budget as a
  :class:`scipy.optimize.NonlinearConstraint` on the planned cost (feasibility-first selection,
  Lampinen 2002), and is reproducible from its seed. Polishing is off, because its gradient-based
  step is meaningless on a simulated objective. Its runners-up are the best distinct affordable mixes
  it evaluated, so they may lie close to the best.

Which mixes are shown (a budget-constrained incremental analysis, Drummond et al. 2015, ch. 4): among
the affordable mixes evaluated, those that another affordable mix matches or beats for no more mean cost
(dominated) or that a blend of two others beats (extendedly dominated) are set aside
(:func:`qicsim.studies.policy.economics.incremental_analysis`, on the mean simulated cost and effect). The
best is the frontier mix of highest mean effect; the runners-up are the next frontier mixes below it, each
with its ICER against the next cheaper frontier mix, never a dominated one. How often each mix is best is
counted among *all* affordable mixes evaluated (the decision actually faced), draw by draw.

The budget binds on the *planned* cost (what the funder commits: the items' cost functions), known
before the programme runs; the evaluated per-draw costs are reported beside it (mean and the share of
draws that would overspend) because used hours can differ from planned ones.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import NonlinearConstraint, differential_evolution

from qicsim.errors import ConfigError, DataError

Mix = dict[str, float]
Evaluate = Callable[[Mix], tuple[Sequence[float], Sequence[float]]]


@dataclass(frozen=True)
class Item:
    """One fundable item and its planned cost.

    Attributes:
        name: The item's name (a key of the mix).
        cost: Planned funder cost (GBP) at an intensity.
        levels: The intensities that may be bought (e.g. 0, 0.25, 0.5, 1); ``None`` for a continuous
            intensity within ``bounds``.
        bounds: Lowest and highest intensity when ``levels`` is ``None``.
    """

    name: str
    cost: Callable[[float], float]
    levels: Sequence[float] | None = None
    bounds: tuple[float, float] = (0.0, 1.0)


@dataclass
class MixResult:
    """What :func:`best_mix` found.

    Attributes:
        best: The best affordable mix (item name -> intensity): the frontier mix of highest mean effect.
        table: The best and the runners-up (the next frontier mixes, never a dominated one), best first:
            the columns of ``mixes``.
        stays_best: ``p_best`` of the best mix: how often the choice stays best across the draws.
        method: ``"grid"`` or ``"differential_evolution"``.
        n_evaluated: How many distinct mixes were run through ``evaluate``.
        details: The grid's size (``None`` when an item is continuous) and the budget.
        mixes: Every affordable mix evaluated, highest mean effect first: ``rank`` (in ``table``, 0 if
            not shown), one column per item, ``planned_cost``, ``mean_cost``, ``p_over_budget`` (share of
            draws whose simulated cost exceeds the budget), ``mean_effect``, ``p_best`` (share of draws in
            which the mix has the highest effect of all affordable mixes; ties shared), ``status``
            (``frontier``, ``dominated``, ``extendedly dominated``), ``dominated_by``, ``compared_with``,
            ``inc_cost``, ``inc_effect`` and ``icer`` (against the next cheaper frontier mix).
        samples: Per-draw (costs, effects) of every affordable mix, by its intensities (items' order).
    """

    best: Mix
    table: pd.DataFrame
    stays_best: float
    method: str
    n_evaluated: int
    details: dict = field(default_factory=dict)
    mixes: pd.DataFrame = field(default_factory=pd.DataFrame)
    samples: dict[tuple[float, ...], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def best_mix(
    evaluate: Evaluate,
    items: Sequence[Item],
    budget: float,
    *,
    n_runners_up: int = 4,
    max_grid: int = 500,
    seed: int = 0,
    maxiter: int = 30,
    popsize: int = 10,
) -> MixResult:
    """Find the mix of item intensities with the highest mean effect whose planned cost fits the budget.

    Args:
        evaluate: Runs a mix on the common draws; returns (per-draw costs, per-draw effects), of the
            same length for every mix. It should be deterministic for a given mix (common random
            numbers); results are cached so that each distinct mix is run once.
        items: The fundable items (distinct names).
        budget: The funder's budget in GBP (>= 0).
        n_runners_up: How many runners-up to report besides the best.
        max_grid: Largest grid searched exhaustively; above it differential evolution is used.
        seed: Seed of differential evolution.
        maxiter: Differential evolution's generations.
        popsize: Differential evolution's population multiplier.

    Returns:
        A :class:`MixResult`.

    Raises:
        ConfigError: Negative or non-numeric budget, no items, duplicate names, empty or non-numeric
            levels, bad bounds, or no mix fits the budget.
        DataError: ``evaluate`` returned per-draw arrays of unequal or changing length, or non-finite values.
    """
    _check_inputs(items, budget, n_runners_up, max_grid)
    cache: dict[tuple[float, ...], tuple[np.ndarray, np.ndarray]] = {}
    names = [item.name for item in items]

    def planned(intensities: Sequence[float]) -> float:
        return sum(_item_cost(item, float(x)) for item, x in zip(items, intensities, strict=True))

    def run(intensities: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
        if intensities not in cache:
            cache[intensities] = _checked_samples(evaluate(dict(zip(names, intensities, strict=True))), cache)
        return cache[intensities]

    grid_size = math.prod(len(item.levels) for item in items) if all(i.levels is not None for i in items) else None
    if grid_size is not None and grid_size <= max_grid:
        method = "grid"
        for combo in itertools.product(*(item.levels for item in items)):
            intensities = tuple(float(x) for x in combo)
            if planned(intensities) <= budget:
                run(intensities)
    else:
        method = "differential_evolution"
        # The cheapest mix (every item at its lowest level: the zero-spend baseline) is always run: the
        # optimiser may never land on it, and at an equal effect it is the better buy (ties go to the cheaper).
        cheapest = tuple(_lowest(item) for item in items)
        if planned(cheapest) <= budget:
            run(cheapest)
        _search_de(items, budget, planned, run, seed=seed, maxiter=maxiter, popsize=popsize)
    affordable = {k: v for k, v in cache.items() if planned(k) <= budget}
    if not affordable:
        cheapest = planned(tuple(_lowest(item) for item in items))
        raise ConfigError(
            "budget",
            f"£{budget:,.0f} buys no mix (the cheapest costs £{cheapest:,.0f})",
            "a larger budget or cheaper items",
        )
    mixes = _classify_mixes(affordable, names, planned, budget)
    shown = mixes[mixes["status"] == "frontier"].head(n_runners_up + 1).index
    mixes.loc[shown, "rank"] = range(1, len(shown) + 1)
    table = mixes.loc[shown].reset_index(drop=True)
    best = tuple(float(table.iloc[0][n]) for n in names)
    return MixResult(
        best=dict(zip(names, best, strict=True)),
        table=table,
        stays_best=float(table["p_best"].iloc[0]),
        method=method,
        n_evaluated=len(cache),
        details={"grid_size": grid_size, "budget": float(budget)},
        mixes=mixes.reset_index(drop=True),
        samples=affordable,
    )


def mix_label(names: Sequence[str], key: Sequence[float]) -> str:
    """A mix as a short code: ``a=1,b=0.5`` (items at 0 left out; ``none`` when all are)."""
    return ",".join(f"{n}={v:g}" for n, v in zip(names, key, strict=True) if v) or "none"


def _classify_mixes(affordable: Mapping[tuple[float, ...], tuple[np.ndarray, np.ndarray]], names: Sequence[str],
                    planned: Callable[[Sequence[float]], float], budget: float) -> pd.DataFrame:
    """Every affordable mix with its means, chance of being best and status on the frontier, best first."""
    from qicsim.studies.policy.economics import incremental_analysis

    keys = sorted(affordable, key=lambda k: (-float(affordable[k][1].mean()), planned(k), k))
    labels = [mix_label(names, k) for k in keys]
    effects = np.column_stack([affordable[k][1] for k in keys])
    best_in_draw = effects >= effects.max(axis=1, keepdims=True) - 1e-9 * np.maximum(1.0, np.abs(effects).max())
    p_best = (best_in_draw / best_in_draw.sum(axis=1, keepdims=True)).mean(axis=0)
    n = effects.shape[0]
    # Listed best first (ties to the cheaper planned cost): among identical means the first listed stays.
    long = pd.DataFrame({"option": np.repeat(labels, n), "draw": np.tile(np.arange(n), len(keys)),
                         "cost": np.concatenate([affordable[k][0] for k in keys]),
                         "effect": np.concatenate([affordable[k][1] for k in keys])})
    cheapest = labels[min(range(len(keys)), key=lambda i: (planned(keys[i]), -effects[:, i].mean()))]
    status = incremental_analysis(long, cheapest).set_index("option")
    status.loc[cheapest, "status"] = "frontier" if status.loc[cheapest, "on_frontier"] else "dominated"
    rows = []
    for i, key in enumerate(keys):
        costs, effect = affordable[key]
        info = status.loc[labels[i]]
        rows.append({"rank": 0, **dict(zip(names, key, strict=True)), "mix": labels[i], "planned_cost": planned(key),
                     "mean_cost": float(costs.mean()), "p_over_budget": float((costs > budget).mean()),
                     "mean_effect": float(effect.mean()), "p_best": float(p_best[i]), "status": info["status"],
                     "dominated_by": info["dominated_by"], "compared_with": info["compared_with"],
                     "inc_cost": info["inc_cost"], "inc_effect": info["inc_effect"], "icer": info["icer"]})
    table = pd.DataFrame(rows)
    # The frontier's best is its mix of highest mean effect: listed first among the frontier rows.
    return table.sort_values(["mean_effect", "planned_cost"], ascending=[False, True], kind="mergesort")


def _search_de(items, budget, planned, run, *, seed: int, maxiter: int, popsize: int) -> None:
    """Differential evolution over level indices (integers) or continuous intensities; fills the cache."""
    bounds, integrality = [], []
    for item in items:
        if item.levels is not None:
            bounds.append((0, len(item.levels) - 1))
            integrality.append(True)
        else:
            bounds.append(tuple(float(b) for b in item.bounds))
            integrality.append(False)

    def intensities(x: np.ndarray) -> tuple[float, ...]:
        out = []
        for item, value in zip(items, x, strict=True):
            # Continuous values are rounded so that near-identical mixes share one simulation.
            out.append(float(item.levels[round(value)]) if item.levels is not None else round(float(value), 6))
        return tuple(out)

    def objective(x: np.ndarray) -> float:
        key = intensities(x)
        if planned(key) > budget:  # the constraint already rejects it; never simulate an unaffordable mix
            return math.inf
        return -float(run(key)[1].mean())

    constraint = NonlinearConstraint(lambda x: planned(intensities(x)), -np.inf, float(budget))
    differential_evolution(
        objective,
        bounds,
        constraints=constraint,
        integrality=integrality,
        seed=seed,
        maxiter=maxiter,
        popsize=popsize,
        polish=False,
        tol=0.0,
        updating="deferred",
    )


def _item_cost(item: Item, intensity: float) -> float:
    """The item's planned cost at an intensity, checked: a unit cost that is not a number stops the search."""
    value = item.cost(intensity)
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
    ):
        raise ConfigError(
            f"items.{item.name}.cost", f"is {value!r} at intensity {intensity:g}", "a finite number of GBP"
        )
    return float(value)


def _lowest(item: Item) -> float:
    return float(min(item.levels)) if item.levels is not None else float(item.bounds[0])


def _checked_samples(result: object, cache: Mapping) -> tuple[np.ndarray, np.ndarray]:
    try:
        costs, effects = (np.asarray(part, dtype=float).reshape(-1) for part in result)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise DataError(
            "evaluate", "did not return (costs, effects) as numbers", "two equal-length arrays of per-draw values"
        ) from None
    if costs.size == 0 or costs.size != effects.size:
        raise DataError(
            "evaluate", f"returned {costs.size} costs and {effects.size} effects", "two equal-length, non-empty arrays"
        )
    if cache and costs.size != next(iter(cache.values()))[0].size:
        raise DataError(
            "evaluate", "returned a different number of draws for another mix", "the same common draws for every mix"
        )
    if not (np.isfinite(costs).all() and np.isfinite(effects).all()):
        raise DataError("evaluate", "returned a non-finite cost or effect", "finite numbers")
    return costs, effects


def _check_inputs(items: Sequence[Item], budget: float, n_runners_up: int, max_grid: int) -> None:
    if isinstance(budget, bool) or not isinstance(budget, (int, float, np.integer, np.floating)):
        raise ConfigError("budget", f"{budget!r} is not a number", "a number of GBP >= 0")
    if not math.isfinite(budget) or budget < 0:
        raise ConfigError("budget", f"{budget} is negative or not finite", "a number of GBP >= 0")
    if not items:
        raise ConfigError("items", "none given", "at least one item to fund")
    names = [item.name for item in items]
    if len(set(names)) != len(names):
        raise ConfigError("items", f"duplicate names in {names}", "distinct item names")
    for item in items:
        if item.levels is not None:
            if len(item.levels) == 0:
                raise ConfigError(f"items.{item.name}.levels", "is empty", "at least one intensity")
            if not all(
                isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)
                for v in item.levels
            ):
                raise ConfigError(
                    f"items.{item.name}.levels",
                    f"{list(item.levels)!r} has a value that is not a number",
                    "finite numbers",
                )
        else:
            low, high = item.bounds
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ConfigError(
                    f"items.{item.name}.bounds", f"{item.bounds!r} is not a range", "(low, high) with low < high"
                )
    if n_runners_up < 0 or max_grid < 1:
        raise ConfigError(
            "n_runners_up/max_grid", f"{n_runners_up}/{max_grid} out of range", "n_runners_up >= 0, max_grid >= 1"
        )

"""Cost-effectiveness of funding options from draws run on common random numbers.

Input everywhere is one long table with a row per option and draw:

* ``option``: the funding option's name;
* ``draw``: the replication (ensemble draw x seed) index; every option must have the same draws,
  because the options are run on common random numbers and the analysis pairs them by draw;
* ``cost``: what the option costs in that draw (GBP, one perspective: funder *or* employer);
* ``effect``: what it buys in that draw (e.g. improvements sustained).

The functions are pure (pandas and numpy only, no model imports) so that ``qicsim compare`` and
tests can feed them any table. Methods follow the standard textbook treatment of cost-effectiveness
analysis: Drummond M.F., Sculpher M.J., Claxton K., Stoddart G.L., Torrance G.W. *Methods for the
Economic Evaluation of Health Care Programmes*, 4th ed., Oxford University Press, 2015, chapter 4
(dominance, extended dominance, incremental ratios along the frontier) and chapter 11 (bootstrap
intervals of ratios, net benefit and cost-effectiveness acceptability curves); Fenwick E., Claxton
K., Sculpher M. "Representing uncertainty: the role of cost-effectiveness acceptability curves",
*Health Economics* 10 (2001) 779-787.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from qicsim.errors import ConfigError, DataError

COLUMNS = ("option", "draw", "cost", "effect")
STATUSES = ("baseline", "frontier", "dominated", "extendedly dominated")
QUADRANTS = ("costs more, does more", "dominant", "dominated", "costs less, does less", "same")


def check_draws(df: pd.DataFrame) -> pd.DataFrame:
    """Validate the long table and return it with ``cost`` and ``effect`` as floats.

    Args:
        df: Long table with columns ``option``, ``draw``, ``cost``, ``effect``.

    Returns:
        A copy with float ``cost`` and ``effect`` columns.

    Raises:
        DataError: A column is missing, cost or effect is not a finite number, an (option, draw)
            pair appears twice, or the options were not run on the same draws (no pairing).
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            "draws", f"is a {type(df).__name__}, not a table", "a pandas DataFrame with " + ", ".join(COLUMNS)
        )
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DataError("draws", f"column(s) {', '.join(missing)} missing", "columns " + ", ".join(COLUMNS))
    if df.empty:
        raise DataError("draws", "table is empty", "at least one row per option and draw")
    out = df.loc[:, list(COLUMNS)].copy()
    for col in ("cost", "effect"):
        series = out[col]
        # Object columns of plain numbers (e.g. built from dicts) are fine; strings, None and booleans are not.
        bad = next((v for v in series if not _is_number(v)), None) if not _numeric(series) else None
        if bad is not None or pd.api.types.is_bool_dtype(series):
            bad = series.iloc[0] if bad is None else bad
            raise DataError(
                f"draws.{col}",
                f"{bad!r} is not a number",
                f"finite numbers ({'GBP' if col == 'cost' else 'effect units'})",
            )
        values = series.to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise DataError(f"draws.{col}", f"{values[~np.isfinite(values)][0]} is not finite", "finite numbers")
        out[col] = values
    if out.duplicated(["option", "draw"]).any():
        option, draw = out.loc[out.duplicated(["option", "draw"]), ["option", "draw"]].iloc[0]
        raise DataError("draws", f"option {option!r} has draw {draw!r} twice", "one row per option and draw")
    draws_by_option = out.groupby("option", sort=False)["draw"].agg(frozenset)
    reference = draws_by_option.iloc[0]
    for option, draws in draws_by_option.items():
        if draws != reference:
            raise DataError(
                "draws",
                f"options {option!r} and {draws_by_option.index[0]!r} were not run on the same draws"
                f" ({len(draws)} and {len(reference)} draws, {len(draws ^ reference)} not shared)",
                "every option run on the same draws (common random numbers)",
            )
    return out


def summarise(
    df: pd.DataFrame, ci: float = 0.95, n_boot: int = 2000, rng: np.random.Generator | int | None = 0
) -> pd.DataFrame:
    """Mean cost, mean effect and cost per unit effect of each option, with paired bootstrap intervals.

    The intervals are percentile bootstrap intervals of the *means* over draws (Drummond et al. 2015,
    ch. 11): each resample draws the replications with replacement, once for all options, so that each
    draw's cost stays paired with its effect and the options stay paired with each other (common random
    numbers). The ratio is the ratio of means, mean cost / mean effect, never a mean of per-draw ratios
    (which is undefined whenever a draw has no effect). ``cost_low``/``cost_high`` and
    ``effect_low``/``effect_high`` are the intervals of the means; ``cost_spread_*``/``effect_spread_*``
    give the central ``ci`` range of the draws themselves (what one run of the programme might cost).

    A ratio is reported honestly when the effect is not positive: if the mean effect is <= 0 the ratio
    is NaN and ``ratio_note`` says why; if some resamples have a mean effect <= 0 their ratio counts as
    +inf (no improvement bought for the money), so the upper bound becomes ``inf`` as soon as more than
    (1 - ci)/2 of the resamples have no positive effect.

    Args:
        df: Long table (see the module docstring).
        ci: Interval coverage, strictly between 0 and 1.
        n_boot: Bootstrap resamples (>= 100).
        rng: A numpy Generator or a seed, so the intervals are reproducible.

    Returns:
        One row per option (in order of first appearance): ``option``, ``n_draws``, ``mean_cost``,
        ``cost_low``, ``cost_high``, ``cost_spread_low``, ``cost_spread_high``, ``mean_effect``,
        ``effect_low``, ``effect_high``, ``effect_spread_low``, ``effect_spread_high``,
        ``cost_per_effect``, ``cost_per_effect_low``, ``cost_per_effect_high``, ``ratio_note``.

    Raises:
        ConfigError: ``ci`` or ``n_boot`` out of range.
        DataError: The table is malformed (see :func:`check_draws`).
    """
    _check_ci(ci)
    _check_n_boot(n_boot)
    data = check_draws(df)
    cost, effect = _matrices(data)
    n_draws = cost.shape[0]
    weights = _bootstrap_weights(n_draws, n_boot, rng)
    boot_cost, boot_effect = weights @ cost.to_numpy(), weights @ effect.to_numpy()
    alpha = (1.0 - ci) / 2.0
    quantiles = [alpha, 1.0 - alpha]
    rows = []
    for j, option in enumerate(cost.columns):
        mean_cost, mean_effect = float(cost[option].mean()), float(effect[option].mean())
        ratio, ratio_low, ratio_high, note = _ratio_interval(
            mean_cost, mean_effect, boot_cost[:, j], boot_effect[:, j], quantiles
        )
        rows.append(
            {
                "option": option,
                "n_draws": n_draws,
                "mean_cost": mean_cost,
                "cost_low": float(np.quantile(boot_cost[:, j], alpha)),
                "cost_high": float(np.quantile(boot_cost[:, j], 1 - alpha)),
                "cost_spread_low": float(np.quantile(cost[option], alpha)),
                "cost_spread_high": float(np.quantile(cost[option], 1 - alpha)),
                "mean_effect": mean_effect,
                "effect_low": float(np.quantile(boot_effect[:, j], alpha)),
                "effect_high": float(np.quantile(boot_effect[:, j], 1 - alpha)),
                "effect_spread_low": float(np.quantile(effect[option], alpha)),
                "effect_spread_high": float(np.quantile(effect[option], 1 - alpha)),
                "cost_per_effect": ratio,
                "cost_per_effect_low": ratio_low,
                "cost_per_effect_high": ratio_high,
                "ratio_note": note,
            }
        )
    return pd.DataFrame(rows)


def incremental_analysis(df: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Incremental cost-effectiveness of the options on their mean cost and effect, with dominance marked.

    The textbook procedure (Drummond et al. 2015, ch. 4, "incremental analysis"; NICE DSU TSD on
    cost-effectiveness): sort the options by mean cost; an option is **dominated** when another costs no
    more and is at least as effective, one of the two strictly (an option identical in cost and effect
    to a cheaper-listed one is also marked dominated, as it adds nothing); of the rest, an option is
    **extendedly dominated** when its ICER against the previous option exceeds the ICER of the next, more
    effective option (a mix of its neighbours would buy more for the same money); this is repeated until
    the ICERs rise along the **frontier**. ICERs are incremental cost / incremental effect against the
    previous option on the frontier. The baseline (e.g. zero spend) keeps the status ``baseline``; its
    place on the frontier is in ``on_frontier``. ``vs_baseline`` names each option's quadrant against
    the baseline (see :data:`QUADRANTS`) and ``icer_vs_baseline`` its incremental cost per extra unit of
    effect, given only where a ratio means something: NaN when the option is dominant or dominated by
    the baseline (a negative ICER would confuse the two); in "costs less, does less" it is the saving
    per unit of effect given up.

    Args:
        df: Long table (see the module docstring); analysed on means over draws.
        baseline: The option every other is compared with.

    Returns:
        One row per option, sorted by mean cost then effect: ``option``, ``cost``, ``effect``,
        ``status`` (one of :data:`STATUSES`), ``on_frontier``, ``compared_with`` (the previous
        frontier option, for frontier options), ``inc_cost``, ``inc_effect``, ``icer``,
        ``vs_baseline``, ``icer_vs_baseline``, ``dominated_by`` (the option, or the two frontier neighbours for
        extended dominance).

    Raises:
        ConfigError: ``baseline`` is not one of the options.
        DataError: The table is malformed (see :func:`check_draws`).
    """
    data = check_draws(df)
    options = list(pd.unique(data["option"]))
    if baseline not in options:
        raise ConfigError("baseline", f"{baseline!r} is not one of the options", ", ".join(map(str, options)))
    table = _classify(_means(data))
    base = table.loc[table["option"] == baseline].iloc[0]
    table["on_frontier"] = table["status"] == "frontier"
    table.loc[table["option"] == baseline, "status"] = "baseline"
    inc_cost = (table["cost"] - base["cost"]).to_numpy()
    inc_effect = (table["effect"] - base["effect"]).to_numpy()
    table["vs_baseline"] = _quadrant(inc_cost, inc_effect)
    table["icer_vs_baseline"] = _icer(inc_cost, inc_effect)
    table.loc[table["option"] == baseline, "vs_baseline"] = ""
    return table[
        [
            "option",
            "cost",
            "effect",
            "status",
            "on_frontier",
            "compared_with",
            "inc_cost",
            "inc_effect",
            "icer",
            "vs_baseline",
            "icer_vs_baseline",
            "dominated_by",
        ]
    ]


def incremental_intervals(
    df: pd.DataFrame, baseline: str, ci: float = 0.95, n_boot: int = 2000, rng: np.random.Generator | int | None = 0
) -> pd.DataFrame:
    """Each option against the baseline, with paired bootstrap intervals and the quadrant shares.

    The resamples draw replications with replacement, the same ones for the option and the baseline, so
    the common random numbers cancel in the differences (Drummond et al. 2015, ch. 11). An ICER interval
    is only meaningful when every resample lies in the quadrant "costs more, does more": a ratio's
    percentile interval mixes cost savings with losses as soon as the cloud crosses an axis. Otherwise
    the interval is NaN and ``p_more_effective``, ``p_dominant`` and ``p_dominated`` tell what the
    cloud does; the acceptability curve (:func:`acceptability`) is then the honest summary.

    Args:
        df: Long table (see the module docstring).
        baseline: The option compared against.
        ci: Interval coverage, strictly between 0 and 1.
        n_boot: Bootstrap resamples (>= 100).
        rng: A numpy Generator or a seed.

    Returns:
        One row per option other than the baseline: ``option``, ``inc_cost``, ``inc_cost_low``,
        ``inc_cost_high``, ``inc_effect``, ``inc_effect_low``, ``inc_effect_high``, ``vs_baseline``,
        ``icer``, ``icer_low``, ``icer_high``, ``p_more_effective``, ``p_dominant``, ``p_dominated``,
        ``icer_note``.

    Raises:
        ConfigError: ``baseline`` is not an option, or ``ci``/``n_boot`` out of range.
        DataError: The table is malformed (see :func:`check_draws`).
    """
    _check_ci(ci)
    _check_n_boot(n_boot)
    data = check_draws(df)
    cost, effect = _matrices(data)
    if baseline not in cost.columns:
        raise ConfigError("baseline", f"{baseline!r} is not one of the options", ", ".join(map(str, cost.columns)))
    d_cost = cost.sub(cost[baseline], axis=0).drop(columns=baseline)
    d_effect = effect.sub(effect[baseline], axis=0).drop(columns=baseline)
    weights = _bootstrap_weights(len(cost), n_boot, rng)
    boot_cost, boot_effect = weights @ d_cost.to_numpy(), weights @ d_effect.to_numpy()
    alpha = (1.0 - ci) / 2.0
    rows = []
    for j, option in enumerate(d_cost.columns):
        mean_cost, mean_effect = float(d_cost[option].mean()), float(d_effect[option].mean())
        bc, be = boot_cost[:, j], boot_effect[:, j]
        quadrant = _quadrant(np.array([mean_cost]), np.array([mean_effect]))[0]
        p_dominant = float(((be > 0) & (bc <= 0)).mean())
        p_dominated = float(((be <= 0) & (bc >= 0)).mean())
        north_east = (be > 0) & (bc > 0)
        if north_east.all():
            low, high = np.quantile(bc / be, [alpha, 1 - alpha])
            note = ""
        else:
            low = high = np.nan
            note = f"{1 - north_east.mean():.1%} of resamples outside 'costs more, does more': no ICER interval"
        rows.append(
            {
                "option": option,
                "inc_cost": mean_cost,
                "inc_cost_low": float(np.quantile(bc, alpha)),
                "inc_cost_high": float(np.quantile(bc, 1 - alpha)),
                "inc_effect": mean_effect,
                "inc_effect_low": float(np.quantile(be, alpha)),
                "inc_effect_high": float(np.quantile(be, 1 - alpha)),
                "vs_baseline": quadrant,
                "icer": float(_icer(np.array([mean_cost]), np.array([mean_effect]))[0]),
                "icer_low": float(low),
                "icer_high": float(high),
                "p_more_effective": float((be > 0).mean()),
                "p_dominant": p_dominant,
                "p_dominated": p_dominated,
                "icer_note": note,
            }
        )
    return pd.DataFrame(rows)


def frontier(df: pd.DataFrame) -> pd.DataFrame:
    """The efficient frontier on the cost-effectiveness plane, cheapest first.

    Args:
        df: Long table (see the module docstring); analysed on means over draws.

    Returns:
        ``option``, ``cost``, ``effect``, ``icer`` (against the previous frontier point; NaN for the
        first) of the options neither dominated nor extendedly dominated.

    Raises:
        DataError: The table is malformed (see :func:`check_draws`).
    """
    table = _classify(_means(check_draws(df)))
    return table.loc[table["status"] == "frontier", ["option", "cost", "effect", "icer"]].reset_index(drop=True)


def acceptability(df: pd.DataFrame, wtp_values: Sequence[float] | np.ndarray) -> pd.DataFrame:
    """Cost-effectiveness acceptability curves: the probability each option is best, per willingness to pay.

    For each willingness to pay λ (GBP per unit effect) and draw, the net monetary benefit of an option
    is ``λ * effect - cost``; the option with the highest is best in that draw (Fenwick et al. 2001).
    The probability is the share of draws in which it is best; options tied within rounding in a draw
    share it equally, so the probabilities sum to 1 at each λ. ``optimal`` marks the option of highest
    *expected* net benefit (the acceptability frontier), which need not be the most probable best.

    Args:
        df: Long table (see the module docstring).
        wtp_values: Willingness-to-pay values, finite and >= 0.

    Returns:
        Long table ``wtp``, ``option``, ``probability``, ``expected_nmb``, ``optimal``.

    Raises:
        ConfigError: A willingness to pay is negative, not finite or not a number, or none is given.
        DataError: The table is malformed (see :func:`check_draws`).
    """
    try:
        wtp = np.asarray(wtp_values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ConfigError(
            "wtp", f"{wtp_values!r} are not numbers", "finite numbers >= 0 (GBP per unit effect)"
        ) from None
    if wtp.size == 0 or not np.isfinite(wtp).all() or (wtp < 0).any():
        raise ConfigError(
            "wtp",
            f"{list(wtp_values)!r} is empty or has a negative or non-finite value",
            "finite numbers >= 0 (GBP per unit effect)",
        )
    cost, effect = _matrices(check_draws(df))
    c, e = cost.to_numpy(), effect.to_numpy()
    frames = []
    for lam in wtp:
        nmb = lam * e - c
        best = nmb.max(axis=1, keepdims=True)
        # Ties within floating-point rounding (e.g. equal effects, equal costs) share the draw.
        tied = nmb >= best - 1e-9 * np.maximum(1.0, np.abs(best))
        share = tied / tied.sum(axis=1, keepdims=True)
        expected = nmb.mean(axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "wtp": lam,
                    "option": cost.columns,
                    "probability": share.mean(axis=0),
                    "expected_nmb": expected,
                    "optimal": expected == expected.max(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _check_ci(ci: float) -> None:
    if not _is_number(ci) or not 0.0 < float(ci) < 1.0:
        raise ConfigError("ci", f"{ci!r} is not a coverage", "a number strictly between 0 and 1, e.g. 0.95")


def _check_n_boot(n_boot: int) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 100:
        raise ConfigError("n_boot", f"{n_boot!r} is too few or not an integer", "an integer >= 100")


def _bootstrap_weights(n_draws: int, n_boot: int, rng: np.random.Generator | int | None) -> np.ndarray:
    """Resampling weights, n_boot x n_draws: ``weights @ values`` gives every resample's mean at once.

    Multinomial counts are the same resample as indexing draws with replacement; one matrix product
    then serves every option with the same resampled draws (pairing kept across options and between
    cost and effect), in memory n_boot x n_draws rather than x options.
    """
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return generator.multinomial(n_draws, np.full(n_draws, 1.0 / n_draws), size=n_boot) / n_draws


def _quadrant(inc_cost: np.ndarray, inc_effect: np.ndarray) -> list[str]:
    """Quadrant of the cost-effectiveness plane of each (incremental cost, incremental effect)."""
    out = []
    for c, e in zip(inc_cost, inc_effect, strict=True):
        if c == 0 and e == 0:
            out.append("same")
        elif e > 0 and c <= 0:
            out.append("dominant")
        elif e <= 0 and c >= 0:
            out.append("dominated")
        elif e > 0:
            out.append("costs more, does more")
        else:
            out.append("costs less, does less")
    return out


def _icer(inc_cost: np.ndarray, inc_effect: np.ndarray) -> np.ndarray:
    """Incremental cost / incremental effect where both have the same sign, NaN elsewhere."""
    meaningful = ((inc_cost > 0) & (inc_effect > 0)) | ((inc_cost < 0) & (inc_effect < 0))
    return np.where(meaningful, inc_cost / np.where(meaningful, inc_effect, 1.0), np.nan)


def _matrices(data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw x option tables of cost and effect, options in order of first appearance, draws sorted."""
    order = list(pd.unique(data["option"]))
    cost = data.pivot(index="draw", columns="option", values="cost").sort_index()[order]
    effect = data.pivot(index="draw", columns="option", values="effect").sort_index()[order]
    return cost, effect


def _means(data: pd.DataFrame) -> pd.DataFrame:
    return data.groupby("option", sort=False)[["cost", "effect"]].mean().reset_index()


def _ratio_interval(
    mean_cost: float, mean_effect: float, boot_cost: np.ndarray, boot_effect: np.ndarray, quantiles: list[float]
) -> tuple[float, float, float, str]:
    """Ratio of means with its percentile interval; NaN or inf where the effect is not positive."""
    if mean_effect <= 0:
        return np.nan, np.nan, np.nan, "undefined: mean effect is not positive"
    positive = boot_effect > 0
    # No positive effect in a resample: the money buys nothing, an unbounded cost per unit effect.
    ratios = np.where(positive, boot_cost / np.where(positive, boot_effect, 1.0), np.inf)
    low, high = np.quantile(ratios, quantiles) if positive.all() else _quantiles_with_inf(ratios, quantiles)
    share = 1.0 - positive.mean()
    note = f"effect not positive in {share:.1%} of resamples" if share > 0 else ""
    if np.isinf(high):
        note = f"upper bound unbounded: {note}"
    if mean_cost < 0:  # a negative ratio is a saving per unit of effect, not a cheap improvement
        note = "; ".join(filter(None, ["negative mean cost: the option saves money", note]))
    return mean_cost / mean_effect, float(low), float(high), note


def _quantiles_with_inf(values: np.ndarray, quantiles: list[float]) -> tuple[float, float]:
    """Lower/inverted-CDF quantiles, so that +inf values give an infinite bound instead of NaN."""
    low, high = np.quantile(values, quantiles, method="inverted_cdf")
    return float(low), float(high)


def _classify(means: pd.DataFrame) -> pd.DataFrame:
    """Mark dominance and extended dominance; ICERs along the frontier (Drummond et al. 2015, ch. 4)."""
    table = means.sort_values(["cost", "effect"], ascending=[True, False], kind="mergesort").reset_index(drop=True)
    table["status"] = "frontier"
    table["dominated_by"] = ""
    costs, effects = table["cost"].to_numpy(), table["effect"].to_numpy()
    for i in range(len(table)):
        for k in range(len(table)):
            if k == i:
                continue
            no_worse = costs[k] <= costs[i] and effects[k] >= effects[i]
            strictly = costs[k] < costs[i] or effects[k] > effects[i]
            # Identical points: the one listed first stays, the later is dominated (adds nothing).
            if no_worse and (strictly or k < i):
                table.loc[i, ["status", "dominated_by"]] = ["dominated", table.loc[k, "option"]]
                break
    # Extended dominance: drop an option whose ICER exceeds the next one's, until ICERs rise.
    while True:
        candidates = table.index[table["status"] == "frontier"].tolist()
        icers = [(costs[b] - costs[a]) / (effects[b] - effects[a]) for a, b in itertools.pairwise(candidates)]
        worse = next((n for n in range(len(icers) - 1) if icers[n] > icers[n + 1]), None)
        if worse is None:
            break
        i = candidates[worse + 1]
        table.loc[i, ["status", "dominated_by"]] = [
            "extendedly dominated",
            f"{table.loc[candidates[worse], 'option']} + {table.loc[candidates[worse + 2], 'option']}",
        ]
    table["compared_with"] = ""
    table[["inc_cost", "inc_effect", "icer"]] = np.nan
    for a, b in itertools.pairwise(candidates):
        inc_cost, inc_effect = costs[b] - costs[a], effects[b] - effects[a]
        table.loc[b, "compared_with"] = table.loc[a, "option"]
        table.loc[b, ["inc_cost", "inc_effect", "icer"]] = [inc_cost, inc_effect, inc_cost / inc_effect]
    return table

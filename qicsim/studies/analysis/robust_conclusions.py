"""Conclusions that hold over an ensemble of parameter sets, and those that depend on an assumption.

A sweep crossed with K ensemble parameter sets (``sweep.ensemble_draws``, column
``ensemble_set``; or any dataset with a column naming each run's parameter set) is split into
one balanced sub-design per set. In each set, each *conclusion* gets a verdict:

* one-at-a-time designs: removing context X from base B *lowers*, *raises*, or has *no clear
  effect* on an outcome (the removal effect's bootstrap interval excludes 0 below, above, or
  not at all);
* factorial designs: factor X (high rather than low) *raises*, *lowers* or has *no clear
  effect* on an outcome (main effect), and X *ranks r* by the size of its main effect; the
  parsimonious QCA solution; and each QCA condition (and its absence) is *necessary* or *not
  necessary* for the outcome set (*undefined* in a set where no run has the outcome).

A conclusion's verdict over the ensemble is the verdict most sets give; its *share* is the
share of sets giving it. It is **robust** if the share is at least 0.9 (by default); otherwise
it *depends on an assumption*, and the parameters that best separate the sets where it holds
from those where it does not are named: the largest absolute point-biserial (Pearson)
correlations between "holds in this set" and the set's parameter values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qicsim.config.sweep import PARAMETER_FIELDS
from qicsim.errors import ConfigError
from qicsim.studies.analysis.bootstrap import check_settings
from qicsim.studies.analysis.design import checked_sweep, select_outcomes
from qicsim.studies.analysis.effects import main_effects
from qicsim.studies.analysis.qca import DEFAULT_RULE, OutcomeRule, qca
from qicsim.studies.analysis.removal import removal_effects
from qicsim.studies.sweep.ensemble_draws import SET_COLUMN

ROBUST_SHARE = 0.9
"""A conclusion holding in at least this share of the parameter sets is robust."""
TOP_SEPARATORS = 2
LOWERS, RAISES, NO_CLEAR = "lowers", "raises", "no clear effect"
NO_OUTCOME = "undefined: no run has the outcome"
VERDICT_COLUMNS = ("analysis", "outcome", "item", "set", "verdict", "estimate")
CONCLUSION_COLUMNS = ("analysis", "outcome", "item", "verdict", "sets", "holds_in", "share", "robust",
                      "depends_on", "undefined_in")


@dataclass(frozen=True)
class RobustConclusions:
    """Conclusions over the parameter sets of an ensemble.

    Attributes:
        conclusions: Columns :data:`CONCLUSION_COLUMNS`, one row per conclusion: the modal
            verdict, the sets analysed, how many give it, their share, whether it is robust,
            (if not) the parameters that best separate where it holds, and in how many sets
            it was undefined (QCA necessity where no run has the outcome).
        verdicts: Columns :data:`VERDICT_COLUMNS`: every conclusion's verdict in every set.
        set_parameters: One row per set (index: the set), one column per parameter.
        set_column: The column that identified the sets.
        robust_share: The share a robust conclusion reaches.
    """

    conclusions: pd.DataFrame
    verdicts: pd.DataFrame
    set_parameters: pd.DataFrame
    set_column: str
    robust_share: float

    @property
    def n_sets(self) -> int:
        """Parameter sets analysed."""
        return len(self.set_parameters)


def set_column_of(data: pd.DataFrame) -> str | None:
    """``ensemble_set`` if the dataset is a design crossed with more than one parameter set, else None.

    ``ensemble_draw`` alone is not taken: with ``run.ensemble`` every replication draws its own
    set, so a set holds no balanced design. Name it explicitly when every set does.
    """
    return SET_COLUMN if SET_COLUMN in data.columns and data[SET_COLUMN].nunique() > 1 else None


def split_sets(data: pd.DataFrame, manifest: dict[str, Any], set_column: str
               ) -> list[tuple[Any, pd.DataFrame, dict[str, Any]]]:
    """One balanced sub-sweep per parameter set: its rows (points renumbered 0 ... P-1) and manifest.

    Raises:
        ConfigError: If the column is missing, or the sets do not all hold the same number of points.
    """
    if set_column not in data.columns:
        raise ConfigError(f"dataset.{set_column}", "no such column", "a column naming each run's parameter set")
    out = []
    sizes = set()
    for key, rows in data.groupby(set_column, sort=True):
        rows = rows.copy()
        rows["point"] = pd.factorize(rows["point"], sort=True)[0]
        points = int(rows["point"].max()) + 1
        sizes.add(points)
        sub = {k: v for k, v in manifest.items() if k != "ensemble_sets"}
        sub["points"] = points
        out.append((key, rows, sub))
    if len(sizes) > 1:
        raise ConfigError(f"dataset.{set_column}",
                          f"the parameter sets hold different numbers of points {sorted(sizes)}",
                          "every design point run under every set (sweep.ensemble_draws)")
    return out


def effect_verdict(low: float, high: float) -> str:
    """*lowers* / *raises* if the interval is below / above 0, else *no clear effect*."""
    if high < 0:
        return LOWERS
    if low > 0:
        return RAISES
    return NO_CLEAR


def set_verdicts(data: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str], *, n_boot: int, seed: int,
                 conf_level: float, qca_rule: OutcomeRule, necessity_cutoff: float) -> list[tuple[Any, ...]]:
    """Every conclusion's verdict in one parameter set's sub-sweep: (analysis, outcome, item, verdict, estimate)."""
    boot = {"n_boot": n_boot, "seed": seed, "conf_level": conf_level}
    rows: list[tuple[Any, ...]] = []
    if manifest["design"] == "one_at_a_time":
        table = removal_effects(data, manifest, outcomes, **boot)
        for r in table.itertuples(index=False):
            rows.append(("removal", r.outcome, f"removing {r.code} {r.removed} from {r.base}",
                         effect_verdict(r.ci_low, r.ci_high), r.estimate))
        return rows
    if manifest["design"] != "factorial":
        raise ConfigError("design.json:design", f"{manifest['design']}: no conclusions over an ensemble yet",
                          "a factorial or one_at_a_time design")
    table = main_effects(data, manifest, outcomes, **boot)
    for outcome, group in table.groupby("outcome", sort=False):
        ranks = group["estimate"].abs().rank(ascending=False, method="min")
        for r, rank in zip(group.itertuples(index=False), ranks, strict=True):
            label = f"{r.code} {r.factor}" if r.code != r.factor else r.factor
            rows.append(("main effect", outcome, label, effect_verdict(r.ci_low, r.ci_high), r.estimate))
            rows.append(("rank", outcome, label, f"ranks {int(rank)}" if not np.isnan(rank) else "n/a", r.estimate))
    if qca_rule.column in data.columns:
        try:
            q = qca(data, manifest, qca_rule, necessity_cutoff=necessity_cutoff)
        except ConfigError:  # no conditions in this design: no QCA conclusions
            return rows
        rows.append(("QCA solution", qca_rule.rule, "parsimonious solution", q.parsimonious.expression,
                     q.parsimonious.fit.coverage))
        for r in q.necessity.itertuples(index=False):
            # necessity is undefined where no run has the outcome: not "not necessary"
            verdict = NO_OUTCOME if not q.n_outcome else "necessary" if r.necessary else "not necessary"
            rows.append(("QCA necessity", qca_rule.rule, r.condition, verdict, r.consistency))
    return rows


def separators(holds: np.ndarray, parameters: pd.DataFrame, top: int = TOP_SEPARATORS) -> str:
    """The parameters most correlated with where a conclusion holds, e.g. ``slack_use (r = +0.71)``.

    Args:
        holds: Whether the conclusion holds in each set (bool, in the rows' order).
        parameters: Each set's parameter values.
        top: How many to name.

    Returns:
        The names and correlations, strongest first; empty if it holds everywhere or nowhere,
        or no parameter varies.
    """
    y = np.asarray(holds, dtype=float)
    if y.std() == 0:
        return ""
    found = []
    for name in parameters.columns:
        x = parameters[name].to_numpy(dtype=float)
        if np.nanstd(x) == 0 or np.isnan(x).any():
            continue
        found.append((name, float(np.corrcoef(x, y)[0, 1])))
    found.sort(key=lambda item: -abs(item[1]))
    return ", ".join(f"{name} (r = {r:+.2f})" for name, r in found[:top])


def summarise(verdicts: pd.DataFrame, set_parameters: pd.DataFrame, robust_share: float = ROBUST_SHARE
              ) -> pd.DataFrame:
    """Each conclusion's modal verdict, the share of sets giving it, robustness and separating parameters.

    Args:
        verdicts: Columns :data:`VERDICT_COLUMNS`.
        set_parameters: One row per set (index: the set), one column per parameter.
        robust_share: The share a robust conclusion reaches.

    Returns:
        Columns :data:`CONCLUSION_COLUMNS`, in the order the conclusions first appear.
    """
    if not 0 < robust_share <= 1:
        raise ConfigError("robust_share", f"{robust_share!r} is out of range", "a number in (0, 1]")
    rows = []
    for (analysis, outcome, item), group in verdicts.groupby(["analysis", "outcome", "item"], sort=False):
        counts = group["verdict"].value_counts()
        verdict = str(max(pd.unique(group["verdict"]), key=lambda v: counts[v]))  # most common; a tie: first set's
        holds = (group["verdict"] == verdict).to_numpy()
        share = float(holds.mean())
        robust = share >= robust_share
        depends = "" if robust else separators(holds, set_parameters.loc[group["set"].to_numpy()])
        undefined = int((group["verdict"] == NO_OUTCOME).sum())
        rows.append((analysis, outcome, item, verdict, len(group), int(holds.sum()), share, robust, depends,
                     undefined))
    return pd.DataFrame(rows, columns=list(CONCLUSION_COLUMNS))


def parameters_of(data: pd.DataFrame, manifest: dict[str, Any], set_column: str) -> list[str]:
    """The parameter columns that describe each set.

    The manifest's ensemble parameters, else every column named after a field of parameters
    that is constant within each set and not a factor.
    """
    ensemble = manifest.get("ensemble_sets")
    if isinstance(ensemble, dict) and isinstance(ensemble.get("parameters"), list):
        return [p for p in ensemble["parameters"] if p in data.columns]
    factor_names = {f.get("name") for f in manifest.get("factors") or [] if isinstance(f, dict)}
    out = []
    for name in data.columns:
        if (name in PARAMETER_FIELDS and name not in factor_names and pd.api.types.is_numeric_dtype(data[name])
                and (data.groupby(set_column)[name].nunique() <= 1).all()):
            out.append(name)
    return out


def robust_conclusions(data: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str] | None = None, *,
                       set_column: str | None = None, n_boot: int = 200, seed: int = 0, conf_level: float = 0.95,
                       qca_rule: OutcomeRule = DEFAULT_RULE, necessity_cutoff: float = 0.9,
                       robust_share: float = ROBUST_SHARE,
                       progress: Callable[[int, int], None] | None = None) -> RobustConclusions:
    """Which conclusions of a one-at-a-time or factorial sweep hold across its ensemble's parameter sets.

    Args:
        data: The dataset: every design point run under every parameter set.
        manifest: design.json as a dict (its ``points`` count every set's points).
        outcomes: Outcome columns, or None for the default outcomes present.
        set_column: The column naming each run's set (default ``ensemble_set``; ``ensemble_draw`` if
            every ensemble row drawn holds a whole design).
        n_boot: Bootstrap samples per set.
        seed: Bootstrap seed (the same in every set).
        conf_level: Interval coverage: an effect's verdict needs its interval to exclude 0.
        qca_rule: The QCA outcome set (factorial designs).
        necessity_cutoff: QCA necessity cutoff.
        robust_share: The share a robust conclusion reaches.
        progress: Called with (sets done, sets) after each set.

    Returns:
        The conclusions.

    Raises:
        ConfigError: For no set column (or a single set), sets of different sizes, another
            design, or whatever the per-set analyses refuse.
    """
    check_settings(n_boot, conf_level, seed)
    set_column = set_column or set_column_of(data)
    if set_column is None:
        raise ConfigError("dataset", "no ensemble_set column with more than one set",
                          "a sweep crossed with an ensemble (sweep.ensemble_draws >= 2)")
    checked_sweep(data, manifest)  # the whole dataset fits its manifest
    outcomes = select_outcomes(data, outcomes)
    parameters = parameters_of(data, manifest, set_column)
    sets = split_sets(data, manifest, set_column)
    verdicts, set_rows = [], {}
    for i, (key, rows, sub) in enumerate(sets):
        for analysis, outcome, item, verdict, estimate in set_verdicts(
                rows, sub, outcomes, n_boot=n_boot, seed=seed, conf_level=conf_level, qca_rule=qca_rule,
                necessity_cutoff=necessity_cutoff):
            verdicts.append((analysis, outcome, item, key, verdict, float(estimate)))
        set_rows[key] = rows.iloc[0][parameters].astype(float) if parameters else pd.Series(dtype=float)
        if progress:
            progress(i + 1, len(sets))
    verdict_table = pd.DataFrame(verdicts, columns=list(VERDICT_COLUMNS))
    set_parameters = pd.DataFrame.from_dict(set_rows, orient="index", columns=parameters)
    return RobustConclusions(summarise(verdict_table, set_parameters, robust_share), verdict_table,
                             set_parameters, set_column, robust_share)

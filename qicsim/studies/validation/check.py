"""Run the scenarios the targets need and judge every target: the validation table.

Usage::

    from qicsim.studies.validation import validate
    report = validate(replications=100)
    report.table[["name", "simulated_mean", "passed"]]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from qicsim.config.changes import check_model_settings
from qicsim.config.schema import DEFAULT_SEED, Config
from qicsim.errors import ConfigError
from qicsim.run.api import scenario_config as compose
from qicsim.run.runner import Results, simulate
from qicsim.studies.validation.criteria import INTERVAL, PREDICTIVE_FAIL
from qicsim.studies.validation.quantities import QUANTITIES
from qicsim.studies.validation.targets import TARGETS, Target, scenarios

OUTCOMES = ("implemented", "homes_with_implementation_share", "spread", "sustained_share", "measured_share",
            "teams_used_measurement", "share_led_care_home", "event_attendances")
"""Run outcomes reported for each programme beside the checks (mean and 90% interval)."""


@dataclass
class ValidationReport:
    """The validation table and what produced it.

    Attributes:
        table: One row per target: what was observed, the criterion, the simulated value with its
            90% interval over replications, and pass or fail.
        outcomes: Per scenario, the main run outcomes (mean, 5% and 95% over replications).
        values: Every target's simulated value per replication, long: key, replication, value.
        configs: Per scenario, the validated config as plain values.
        seeds: Per scenario, the master seed and every replication's seed.
        ensemble: The ensemble named (``run.ensemble``), or None for the point defaults.
        ensemble_file: The ensemble's file and SHA-256, or None.
    """

    table: pd.DataFrame
    outcomes: pd.DataFrame
    values: pd.DataFrame
    configs: dict[str, dict[str, Any]]
    seeds: dict[str, dict[str, Any]]
    ensemble: str | None = None
    ensemble_file: dict[str, str] | None = None


def run_overrides(ensemble: str | None, overrides: list[str] | None) -> list[str]:
    """The overrides every scenario is composed with, the ensemble's included."""
    args = list(overrides or [])
    if ensemble is not None:
        args.append(f"run.ensemble={ensemble}")
    return args


def ensemble_file(ensemble: str | None) -> dict[str, str] | None:
    """Which file an ensemble name resolved to, and its SHA-256 (for provenance)."""
    if ensemble is None:
        return None
    from qicsim.config.ensemble import load_ensemble

    loaded = load_ensemble(ensemble)
    return {"source": str(loaded.source), "sha256": loaded.sha256}


def mark_fitted(table: pd.DataFrame, ensemble: str | None) -> None:
    """Mark the checks the ensemble's calibration fitted (a ``fitted`` column), and say in ``held_out`` why not.

    Their verdicts stay in the table; the held-out count leaves them out (:func:`held_out_passed`).
    """
    from qicsim.config.ensemble import fitted_checks

    fitted = set(fitted_checks(ensemble)) if ensemble is not None else set()
    if not fitted & set(table["key"]):
        return  # every check held out: the table as before (its columns are those of the committed records)
    table["fitted"] = table["key"].isin(fitted)
    table.loc[table["fitted"], "held_out"] = "no: this ensemble's calibration fitted the same observation"


def held_out_passed(table: pd.DataFrame) -> tuple[int, int]:
    """Held-out checks passed, and held-out checks (those the ensemble's calibration did not fit)."""
    held = table[~table["fitted"]] if "fitted" in table else table
    return int(held["passed"].sum()), len(held)


def judge(target: Target, values: pd.Series) -> dict[str, Any]:
    """One row of the validation table: the target, its simulated value and the verdict."""
    usable = values.dropna().to_numpy(dtype=float)
    row: dict[str, Any] = {
        "key": target.key, "programme": target.scenario, "name": target.name, "source": target.source,
        "observed": target.observed, "criterion": target.criterion.describe(), "why": target.why,
        "simulated_quantity": target.definition, "held_out": target.held_out,
        "replications_used": len(usable), "replications_left_out": int(values.isna().sum()),
    }
    if not len(usable):
        return {**row, "simulated_mean": np.nan, "simulated_p5": np.nan, "simulated_p95": np.nan,
                "mean_se": np.nan, "detail": "no replication defines the quantity", "passed": False,
                "predictive_p": np.nan, "predictive_fails": True}
    verdict = target.criterion.judge(usable)
    low, high = np.quantile(usable, INTERVAL)
    se = float(np.std(usable, ddof=1) / np.sqrt(len(usable))) if len(usable) > 1 else np.nan
    p = target.criterion.predictive_p(usable)
    return {**row, "simulated_mean": float(np.mean(usable)), "simulated_p5": float(low),
            "simulated_p95": float(high), "mean_se": se, "detail": verdict.detail, "passed": verdict.passed,
            "predictive_p": p, "predictive_fails": bool(p < PREDICTIVE_FAIL)}


def outcome_summary(scenario: str, results: Results) -> list[dict[str, Any]]:
    """Mean and 90% interval of the main run outcomes of one scenario."""
    rows = []
    for name in OUTCOMES:
        values = results.runs[name].dropna().to_numpy(dtype=float)
        low, high = np.quantile(values, INTERVAL) if len(values) else (np.nan, np.nan)
        rows.append({"programme": scenario, "outcome": name, "mean": float(np.mean(values)) if len(values) else np.nan,
                     "p5": float(low), "p95": float(high), "replications": len(values)})
    return rows


def compose_all(names: list[str], replications: int, seed: int, overrides: list[str]) -> dict[str, Config]:
    """Compose and validate every scenario first, so that bad input stops before anything runs.

    Raises:
        ConfigError: For a bad setting, or a scenario composed as another (the table labels what ran).
    """
    configs = {name: compose(name, overrides, replications, seed) for name in names}
    for name, config in configs.items():
        if config.scenario != name:
            raise ConfigError("scenario", f"programme {name} was composed as {config.scenario!r}",
                              "what-ifs that leave each programme its own scenario")
    return configs


def validate(replications: int = 100, seed: int = DEFAULT_SEED, ensemble: str | None = None,
             overrides: list[str] | None = None, targets: tuple[Target, ...] = TARGETS) -> ValidationReport:
    """Run the scenarios the targets need and judge every target.

    Args:
        replications: Replications per scenario.
        seed: Master seed of every scenario (replication seeds derive from it).
        ensemble: An ensemble name or path (``run.ensemble``), or None for the point defaults.
        overrides: Settings applied to every scenario, e.g. ``["parameters.care_turnover_per_year=0"]``
            (what-if validation; the reference table uses none).
        targets: The targets to judge (default: all).

    Returns:
        The validation table, each programme's outcomes, configs and seeds.

    Raises:
        ConfigError: For a bad setting, or an override that is not a setting of the model (one that
            would replace a programme, or set how it runs), before anything runs.
    """
    check_model_settings(list(overrides or []), how="replications, seed and ensemble as arguments")
    args = run_overrides(ensemble, overrides)
    configs = compose_all(scenarios(targets), replications, seed, args)
    rows, outcomes, values, seeds = [], [], [], {}
    for name, config in configs.items():
        results = simulate(config)
        seeds[name] = {"master_seed": config.run.seed, "replication_seeds": [int(s) for s in results.runs["seed"]]}
        outcomes.extend(outcome_summary(name, results))
        for target in (t for t in targets if t.scenario == name):
            simulated = QUANTITIES[target.quantity](results, config)
            rows.append(judge(target, simulated))
            values.append(pd.DataFrame({"key": target.key, "replication": simulated.index,
                                        "value": simulated.to_numpy()}))
    order = {t.key: i for i, t in enumerate(targets)}
    table = pd.DataFrame(rows).sort_values("key", key=lambda keys: keys.map(order)).reset_index(drop=True)
    mark_fitted(table, ensemble)
    plain = {}
    for name, config in configs.items():
        plain[name] = asdict(config)
        plain[name].pop("sweep")  # a plain run's record: the sweep section does not change results
    return ValidationReport(table=table, outcomes=pd.DataFrame(outcomes), values=pd.concat(values, ignore_index=True),
                            configs=plain, seeds=seeds,
                            ensemble=ensemble, ensemble_file=ensemble_file(ensemble))

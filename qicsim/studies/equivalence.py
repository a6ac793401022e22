"""Engine equivalence: is a sample of runs statistically the same as the committed reference sample?

A change of engine that is meant to change results only by their random numbers (issue 20's
keyed draws) cannot be checked against the golden table, which is bit-for-bit. This module is the
gate it must pass instead: the reference (``tests/reference/engine_baseline.csv``, written by
``experiments/engine_baseline.py`` with the engine it replaces) holds :data:`REPLICATIONS` runs of
each of :data:`CONDITIONS`, and a new sample of the same size, on another master seed, must match
it for every condition and outcome of :data:`OUTCOMES`:

* the difference of the means within :data:`Z_LIMIT` standard errors of the difference,
  ``sqrt(s1^2/n1 + s2^2/n2)`` (Welch's, the samples being independent);
* the two-sample Kolmogorov-Smirnov test not rejecting at :data:`KS_ALPHA`, so a change of
  spread or shape with the mean kept is caught too.

The conditions are shipped scenarios under the default structure, composed and run through the
same path as every run (:func:`qicsim.run.api.scenario_config`, :func:`qicsim.run.runner.model_kwargs`,
:mod:`qicsim.run.evaluator`); docs/validation.md, "Engine equivalence", says what the gate showed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from qicsim.config.schema import DEFAULT_SEED
from qicsim.errors import DataError
from qicsim.model import QICModel
from qicsim.model.outcomes import outcome_rows
from qicsim.run.api import scenario_config
from qicsim.run.evaluator import Replication, evaluate
from qicsim.run.folders import sha256
from qicsim.run.runner import config_replications

CONDITIONS: tuple[str, ...] = ("peach", "all_contexts", "prosper", "space", "bts_nursing_homes")
"""PEACH, every context at once, and the three other programmes (configs/scenario): issue 20, item 4."""

OUTCOMES: dict[str, str] = {
    "implemented": "the primary outcome: the whole project pipeline (planning, chunks, PDSA, implementation)",
    "sustained": "what lasts after support ends: sustainment, ownership and turnover after the collaborative",
    "spread": "improvements taken up from other homes: the spread process and the ties between homes",
    "projects_started": "project starts: problems arising, planning, recruitment of leads",
    "pdsa_cycles": "the cycle engine: how often projects test a change, whatever its result",
    "measured_cycles": "measurement: data support and measurement hours (C10), apart from the cycle count",
    "attendances": "local meetings: who comes, where they meet (C8), engagement and membership",
    "hours_care_home": "the time budget of care home staff: protected time (C4), meetings, projects, travel",
}
"""The run-level outcomes compared (:func:`qicsim.model.outcomes.run_row`), each with the part of the model
it covers: between them they draw on every weekly process, so a process whose random numbers are used
wrongly moves at least one."""

REPLICATIONS = 200
"""Replications per condition, in the reference and in a gate's sample (issue 20 asks for at least 200)."""

REFERENCE_SEED = DEFAULT_SEED
"""The master seed of the committed reference."""

GATE_SEED = 20200520
"""The master seed of the gate's new sample: any seed but the reference's, so no replication repeats."""

Z_LIMIT = 3.0
KS_ALPHA = 0.01
KEY_COLUMNS = ("condition", "replication", "seed")
REGENERATE = "the files experiments/engine_baseline.py writes (regenerate: python experiments/engine_baseline.py)"


def outcome_values(model: QICModel, replication: Replication) -> dict[str, float]:
    """The evaluator's hook: a finished run's :data:`OUTCOMES` (plain floats, so it can come back from a worker)."""
    run, _, _ = outcome_rows(model)
    return {"replication": replication.index, "seed": replication.seed,
            **{name: float(run[name]) for name in OUTCOMES}}


def condition_replications(condition: str, n: int, master_seed: int,
                           overrides: Sequence[str] = ()) -> Iterable[Replication]:
    """A condition's replications, built as the runner builds a configured scenario's.

    Args:
        condition: A scenario in ``configs/scenario``, run under the default structure.
        n: Replications.
        master_seed: The master seed; replication ``i`` gets ``replication_seed(master_seed, i)``.
        overrides: Hydra-style overrides applied to the scenario (a changed model, for a check of the gate).

    Returns:
        The replications, lazily.

    Raises:
        ConfigError: For an unknown scenario or a bad override.
    """
    return config_replications(scenario_config(condition, list(overrides), replications=n, seed=master_seed))


def sample(conditions: Sequence[str] = CONDITIONS, n: int = REPLICATIONS, master_seed: int = REFERENCE_SEED,
           workers: int = 1, overrides: Sequence[str] = ()) -> pd.DataFrame:
    """Run ``n`` replications of each condition and keep their :data:`OUTCOMES`.

    Args:
        conditions: Scenario names.
        n: Replications per condition.
        master_seed: The master seed (the same replication seeds for every condition).
        workers: Processes (the evaluator's ``workers``).
        overrides: Overrides applied to every condition.

    Returns:
        One row per condition and replication: ``condition``, ``replication``, ``seed`` and the outcomes.
    """
    rows = []
    for condition in conditions:
        runs = condition_replications(condition, n, master_seed, overrides)
        rows += [{"condition": condition, **row} for row in evaluate(runs, outcome_values, workers=workers)]
    return pd.DataFrame(rows, columns=[*KEY_COLUMNS, *OUTCOMES])


def write_reference(table: pd.DataFrame, csv_path: Path, record: dict[str, Any]) -> None:
    """Write a sample and its record (``.json`` beside it, with the CSV's SHA-256), each file atomically.

    The record goes last: a CSV without a record that hashes it is not a reference (:func:`load_reference`).
    """
    from qicsim.run.folders import atomic_write  # only the experiment writes

    digest = atomic_write(csv_path, lambda p: table.to_csv(p, index=False))
    text = json.dumps({**record, "csv_sha256": digest}, indent=2) + "\n"
    atomic_write(csv_path.with_suffix(".json"), lambda p: p.write_text(text))


def load_reference(csv_path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a reference sample and its record, checked: whole, unaltered, with every condition's runs.

    Args:
        csv_path: The sample's CSV; its record is the ``.json`` of the same name.

    Returns:
        The sample and its record.

    Raises:
        DataError: Naming the file, if it is missing, corrupt, altered since it was written, or short of
            a condition, an outcome or replications.
    """
    json_path = csv_path.with_suffix(".json")
    for path in (csv_path, json_path):
        if not path.is_file():
            raise DataError(str(path), "missing", REGENERATE)
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
        n, conditions, digest = int(record["replications"]), list(record["conditions"]), record["csv_sha256"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(str(json_path), f"corrupt record ({type(exc).__name__}: {exc})", REGENERATE) from exc
    if sha256(csv_path) != digest:
        raise DataError(str(csv_path), f"altered since it was written (its SHA-256 is not {json_path.name}'s)",
                        REGENERATE)
    try:
        table = pd.read_csv(csv_path)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(str(csv_path), f"not a readable CSV ({exc})", REGENERATE) from exc
    missing = [c for c in (*KEY_COLUMNS, *OUTCOMES) if c not in table]
    if missing:
        raise DataError(str(csv_path), f"no column {', '.join(missing)}", REGENERATE)
    counts = table["condition"].value_counts()
    short = [c for c in conditions if counts.get(c, 0) != n]
    if short or not conditions:
        raise DataError(str(csv_path), f"not {n} replications of each condition ({', '.join(short) or 'none named'})",
                        REGENERATE)
    if not np.isfinite(table[list(OUTCOMES)].to_numpy(dtype=float)).all():
        raise DataError(str(csv_path), "an outcome is empty or not a finite number", REGENERATE)
    return table, record


def compare_outcome(reference: np.ndarray, new: np.ndarray) -> dict[str, float | bool]:
    """One condition's outcome in two samples: means, the SE of their difference, z, the KS p-value and pass.

    A difference with no spread on either side (an outcome constant in both samples) has no standard
    error: it passes only if the means are equal.
    """
    se = float(np.sqrt(reference.var(ddof=1) / len(reference) + new.var(ddof=1) / len(new)))
    diff = float(new.mean() - reference.mean())
    z = diff / se if se > 0 else (0.0 if diff == 0 else float(np.copysign(np.inf, diff)))
    ks_p = float(ks_2samp(reference, new).pvalue)
    return {"mean_reference": float(reference.mean()), "mean_new": float(new.mean()), "se": se, "z": z,
            "ks_p": ks_p, "pass": bool(abs(z) <= Z_LIMIT and ks_p >= KS_ALPHA)}


def compare(reference: pd.DataFrame, new: pd.DataFrame, conditions: Sequence[str] | None = None,
            outcomes: Iterable[str] = OUTCOMES) -> pd.DataFrame:
    """Compare a new sample with the reference, condition by condition and outcome by outcome.

    Args:
        reference: The reference sample (:func:`load_reference`).
        new: The new sample (:func:`sample`), of any size of at least 2 per condition.
        conditions: The conditions to compare (default: every condition of the new sample).
        outcomes: The outcomes to compare.

    Returns:
        One row per condition and outcome: ``condition``, ``outcome``, ``n_reference``, ``n_new``,
        ``mean_reference``, ``mean_new``, ``se``, ``z``, ``ks_p`` and ``pass``.

    Raises:
        DataError: If a condition has fewer than 2 runs in either sample.
    """
    rows = []
    for condition in conditions if conditions is not None else list(dict.fromkeys(new["condition"])):
        ref = reference[reference["condition"] == condition]
        got = new[new["condition"] == condition]
        for name, part in (("reference", ref), ("new sample", got)):
            if len(part) < 2:
                raise DataError(f"{name} condition {condition}", f"{len(part)} runs", "at least 2 runs to compare")
        for outcome in outcomes:
            rows.append({"condition": condition, "outcome": outcome, "n_reference": len(ref), "n_new": len(got),
                         **compare_outcome(ref[outcome].to_numpy(float), got[outcome].to_numpy(float))})
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> str:
    """One line on a comparison: rows passing, the smallest KS p-value and the largest |z|, with where."""
    worst_p = table.loc[table["ks_p"].idxmin()]
    worst_z = table.loc[table["z"].abs().idxmax()]
    return (f"{int(table['pass'].sum())}/{len(table)} pass; smallest KS p {worst_p['ks_p']:.3g} "
            f"({worst_p['condition']} {worst_p['outcome']}); largest |z| {abs(worst_z['z']):.2f} "
            f"({worst_z['condition']} {worst_z['outcome']})")

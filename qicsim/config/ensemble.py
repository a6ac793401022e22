"""An ensemble of parameter sets as a run's input: each replication draws one set, by its seed.

An ensemble is a CSV file with a ``weight`` column and one column per field of
:class:`qicsim.model.parameters.Parameters` it sets (a calibration's accepted particles, see
``qicsim.studies.calibration``). A model-averaged ensemble (the calibration across programmes) also
has a column per rival structure's switch (``project_start``, ``time_model``, ``project_sizes``,
``trap``) and a ``structure`` column naming the preset: each row is a structure and its parameters,
drawn together; ``<name>@<structure>`` draws only that structure's rows, weights renormalised (its
posterior given the structure). With ``run.ensemble=<name or path>``, every replication of a run or
a sweep draws one row, with probability proportional to its weight, from a generator of its
own seeded by the replication's model seed (never the model's streams): a replication's
draw depends only on the master seed and its index, so serial and parallel runs agree, and
intervals carry parameter and stochastic uncertainty together.

The drawn row replaces the parameters it holds, including any set on the command line or in
the scenario; parameters it does not hold keep the config's values.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qicsim.config.paths import config_dir
from qicsim.errors import ConfigError
from qicsim.model.parameters import RECORDED_STRUCTURE, Parameters, Structure, allowed_text, check_number

KEY = "run.ensemble"
GIVEN = "@"  # <name>@<structure>: a model-averaged ensemble's rows of one structure
WEIGHT = "weight"
FOLDER = "ensemble"  # configs/ensemble/<name>.csv
NO_DRAW = -1  # a replication without an ensemble
DRAW_STREAM = 1  # spawn key of the draw's generator: apart from the model's (SeedSequence(seed) itself)

# The numeric fields of Parameters, which an ensemble may set (a list such as protected_roles may not).
_FIELDS = {f.name: f for f in fields(Parameters) if "lo" in f.metadata and not f.metadata.get("choices")
           and not callable(f.default_factory)}

# The rival structures' switches, which a model-averaged ensemble sets row by row, and its label column.
SWITCHES = {f.name: f for f in fields(Structure) if f.name in RECORDED_STRUCTURE}
LABEL = "structure"


@dataclass(frozen=True)
class Ensemble:
    """Accepted parameter sets and their weights.

    Attributes:
        parameters: One row per parameter set; columns are names of fields of ``Parameters``.
        weights: One weight per row, normalised to sum 1.
        source: The CSV file it was read from.
        sha256: SHA-256 of that file's bytes.
        structure: The structure its rows were restricted to (``<name>@<structure>``), or None.
        labels: Each row's structure preset (the ``structure`` column of a model-averaged ensemble), else empty.
    """

    parameters: pd.DataFrame
    weights: np.ndarray
    source: str
    sha256: str
    structure: str | None = None
    labels: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.parameters)

    @property
    def switches(self) -> list[str]:
        """The structure switches it sets row by row (none unless it is model-averaged)."""
        return [name for name in self.parameters.columns if name in SWITCHES]

    def numeric(self) -> pd.DataFrame:
        """Its parameters as numbers: each switch as the index of its value among the switch's choices."""
        table = self.parameters.copy()
        for name in self.switches:
            table[name] = table[name].map({c: float(i) for i, c in enumerate(SWITCHES[name].metadata["choices"])})
        return table.astype(float)


def split_name(name_or_path: str) -> tuple[str, str | None]:
    """``<name or path>@<structure>`` as its two parts (the structure None when there is no ``@``).

    An ``@`` inside a path (``/home/me@host/ens.csv``) is part of the path: a structure's name has no
    ``/`` and no ``.csv``.
    """
    head, given, structure = name_or_path.rpartition(GIVEN)
    if given and head and "/" not in structure and not structure.endswith(".csv"):
        return head, structure
    return name_or_path, None


def ensemble_path(name_or_path: str) -> Path:
    """The CSV file of a shipped ensemble's name (``configs/ensemble/<name>.csv``), or the path given.

    A ``@<structure>`` suffix (one structure's rows) does not change the file.
    """
    name_or_path = split_name(name_or_path)[0]
    if "/" in name_or_path or name_or_path.endswith(".csv"):
        return Path(name_or_path)
    return config_dir() / FOLDER / f"{name_or_path}.csv"


def shipped_names() -> list[str]:
    """Names of the ensembles shipped in ``configs/ensemble``."""
    return sorted(p.stem for p in (config_dir() / FOLDER).glob("*.csv"))


def load_ensemble(name_or_path: str) -> Ensemble:
    """Read and check an ensemble file.

    Args:
        name_or_path: A shipped ensemble's name (no "/", no ".csv"), or a path to a CSV file; either
            with ``@<structure>`` for one structure's rows of a model-averaged ensemble.

    Returns:
        The ensemble, weights normalised.

    Raises:
        ConfigError: Naming ``run.ensemble``, for a missing or unreadable file, a missing weight
            column, an unknown parameter column, a value out of its parameter's range, negative
            or all-zero weights, no rows, or a ``@<structure>`` the file has no rows of.
    """
    path = ensemble_path(name_or_path)
    allowed = f"a shipped ensemble ({', '.join(shipped_names()) or 'none yet'}) or a CSV file with a " \
              f"'{WEIGHT}' column and one column per parameter"
    if not path.is_file():
        raise ConfigError(KEY, f"{path} does not exist", allowed)
    raw = path.read_bytes()
    try:
        table = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' parser errors are ValueErrors
        raise ConfigError(KEY, f"{path} is not a readable CSV file ({type(exc).__name__})", allowed) from exc
    if WEIGHT not in table.columns:
        raise ConfigError(KEY, f"{path} has no '{WEIGHT}' column", allowed)
    unknown = [c for c in table.columns if c not in (WEIGHT, LABEL) and c not in _FIELDS and c not in SWITCHES]
    if unknown:
        raise ConfigError(KEY, f"{path}: {unknown[0]!r} is not a parameter an ensemble can set",
                          "numeric fields of parameters (docs/parameters.md) and the structure switches "
                          f"{', '.join(SWITCHES)}")
    if table.empty:
        raise ConfigError(KEY, f"{path} has no rows", "at least one parameter set")
    structure = split_name(name_or_path)[1]
    if structure is not None:
        table = rows_of(table, structure, path)
    weights = checked_weights(table[WEIGHT], path)
    parameters = table.drop(columns=[c for c in (WEIGHT, LABEL) if c in table.columns])
    for name in [c for c in parameters.columns if c in SWITCHES]:
        meta = SWITCHES[name].metadata
        bad = [(row, v) for row, v in enumerate(parameters[name].tolist()) if v not in meta["choices"]]
        if bad:
            raise ConfigError(KEY, f"{path} row {bad[0][0] + 1}: structure.{name} {bad[0][1]!r} is not allowed",
                              allowed_text(meta))
    for name in [c for c in parameters.columns if c not in SWITCHES]:
        meta = _FIELDS[name].metadata
        for row, value in enumerate(parameters[name].tolist()):
            try:
                check_number(f"parameters.{name}", value, meta)
            except ConfigError as error:
                raise ConfigError(KEY, f"{path} row {row + 1}: {error.key} {error.problem}", error.allowed) from error
        if meta.get("integer"):
            parameters[name] = parameters[name].astype("int64")
    labels = tuple(table[LABEL].astype(str)) if LABEL in table.columns else ()
    return Ensemble(parameters.reset_index(drop=True), weights, str(path), hashlib.sha256(raw).hexdigest(), structure,
                    labels)


def rows_of(table: pd.DataFrame, structure: str, path: Path) -> pd.DataFrame:
    """A model-averaged ensemble's rows of one structure, or a one-line error naming the structures it has."""
    if LABEL not in table.columns:
        raise ConfigError(KEY, f"{path} is not model-averaged (no '{LABEL}' column): '{GIVEN}{structure}' "
                               "cannot choose its rows", "the ensemble's name alone")
    labels = table[LABEL].astype(str)
    if not (labels == structure).any():
        raise ConfigError(KEY, f"{path} has no rows of structure {structure!r}",
                          f"one of {', '.join(sorted(labels.unique()))}")
    return table[labels == structure].reset_index(drop=True)


def drawn_structures(name_or_path: str | None, rows: pd.Series) -> list[str] | None:
    """The structure preset of each drawn row (``ensemble_draw``) of a model-averaged ensemble, else None."""
    labels = load_ensemble(name_or_path).labels if name_or_path is not None else ()
    return [labels[int(row)] for row in rows] if labels else None


def checked_weights(column: pd.Series, path: Path) -> np.ndarray:
    """The weight column as finite, non-negative numbers normalised to sum 1, or a one-line error."""
    weights = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    allowed = "finite weights >= 0, not all zero"
    if np.isnan(weights).any() or not np.isfinite(weights).all():
        raise ConfigError(KEY, f"{path}: a weight is missing or not a finite number", allowed)
    if (weights < 0).any():
        raise ConfigError(KEY, f"{path}: a weight is negative", allowed)
    if weights.sum() <= 0:
        raise ConfigError(KEY, f"{path}: all weights are zero", allowed)
    return weights / weights.sum()


def draw(ensemble: Ensemble, seed: int) -> tuple[int, dict[str, Any]]:
    """The parameter set a replication with model seed ``seed`` runs with.

    Args:
        ensemble: The ensemble.
        seed: The replication's model seed.

    Returns:
        The row index drawn, and its parameters as plain Python numbers (ints for whole-number
        parameters) and, in a model-averaged ensemble, its structure's switches (names).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DRAW_STREAM,)))
    row = int(rng.choice(len(ensemble.weights), p=ensemble.weights))
    values: dict[str, Any] = {}
    for name in ensemble.parameters.columns:
        value = ensemble.parameters[name].iloc[row]
        if name in SWITCHES:
            values[name] = str(value)
        else:
            values[name] = int(value) if _FIELDS[name].metadata.get("integer") else float(value)
    return row, values


def drawn_kwargs(kwargs: dict[str, Any], ensemble: Ensemble | None, seed: int) -> tuple[dict[str, Any], int]:
    """A replication's model keyword arguments: the config's, updated with its draw from the ensemble.

    Args:
        kwargs: The config's model keyword arguments (not changed).
        ensemble: The run's ensemble, or None.
        seed: The replication's model seed.

    Returns:
        The keyword arguments, and the row drawn (``NO_DRAW`` without an ensemble).
    """
    if ensemble is None:
        return kwargs, NO_DRAW
    row, values = draw(ensemble, seed)
    return {**kwargs, **values}, row


def maybe_load(name_or_path: str | None) -> Ensemble | None:
    """The ensemble a config names, or None."""
    return None if name_or_path is None else load_ensemble(name_or_path)


def describe(ensemble: Ensemble) -> dict[str, Any]:
    """What provenance records of an ensemble: its file, hash, size and the parameters it sets."""
    record = {"path": ensemble.source, "sha256": ensemble.sha256, "rows": len(ensemble),
              "parameters": list(ensemble.parameters.columns)}
    return record if ensemble.structure is None else {**record, "structure": ensemble.structure}


def sidecar(name_or_path: str) -> dict[str, Any]:
    """The record beside an ensemble's CSV (``<name>.json``: its calibration, targets, structure), or {} if none."""
    try:
        meta = json.loads(ensemble_path(name_or_path).with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


PROGRAMME_NAMES = {"peach": "PEACH", "space": "SPACE", "movit": "MOVIT", "prosper": "PROSPER"}
"""How a calibration target's prefix (``<programme>_<statistic>``) names its programme in words."""


def fitted_programmes(name_or_path: str) -> list[str]:
    """The collaboratives an ensemble was calibrated to, in words, from the ``.json`` beside its CSV.

    A calibration across programmes lists its targets as ``<programme>_<statistic>``; a calibration to one
    scenario (``qicsim-calibrate peach``) names its scenario. Empty when the record says neither.
    """
    meta = sidecar(name_or_path)
    targets = meta.get("targets")
    if isinstance(targets, list) and targets:
        prefixes = dict.fromkeys(str(t).split("_", 1)[0] for t in targets)
        return [PROGRAMME_NAMES.get(p, p.upper()) for p in prefixes]
    scenario = meta.get("scenario") or meta.get("calibration")
    return [PROGRAMME_NAMES.get(str(scenario), str(scenario).upper())] if scenario else []


def fitted_structure(name_or_path: str) -> dict[str, str]:
    """The rival structures' switches an ensemble was fitted under, from the ``.json`` beside its CSV.

    An ensemble written before the switches existed (no ``structure`` entry, or no ``.json``) was
    fitted under the structure of its time, :data:`qicsim.model.parameters.RECORDED_STRUCTURE`.
    """
    recorded = sidecar(name_or_path).get("structure")
    return {**RECORDED_STRUCTURE, **(recorded if isinstance(recorded, dict) else {})}


def fitted_checks(name_or_path: str) -> list[str]:
    """The held-out validation checks whose observations the ensemble's calibration fitted (``.json`` beside its CSV).

    A calibration across programmes may fit an observation a validation check also judges; over that
    ensemble the check is no longer held out, and the validation says so (none if the sidecar says nothing).
    """
    checks = sidecar(name_or_path).get("fitted_validation_checks")
    return [str(c) for c in checks] if isinstance(checks, list) else []


def model_averaged(name_or_path: str) -> bool:
    """Whether an ensemble file sets the structure switches row by row (False if it cannot be read)."""
    try:
        columns = pd.read_csv(ensemble_path(name_or_path), nrows=0).columns
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return any(c in SWITCHES for c in columns)


def structure_mismatch(name_or_path: str, switches: Mapping[str, Any]) -> str | None:
    """One line saying how a run's structure differs from the one its ensemble was fitted under, or None.

    A calibrated ensemble holds parameter values that fit under one structure; drawn under
    another they are a what-if, not a calibrated model, and the run should say so. A model-averaged
    ensemble sets the switches itself, row by row: its runs are as fitted, but switches the run set
    away from the model's defaults are replaced by each row's, and the run says that instead.
    """
    if model_averaged(name_or_path):
        if split_name(name_or_path)[1] is not None:
            return None
        defaults = {name: SWITCHES[name].default for name in SWITCHES}
        replaced = [f"{name}={switches[name]}" for name in SWITCHES
                    if name in switches and switches[name] != defaults[name]]
        if not replaced:
            return None
        return (f"note: {KEY}={name_or_path} is model-averaged: each replication takes the structure of the row "
                f"it draws, replacing this run's {', '.join(replaced)} ({KEY}={name_or_path}{GIVEN}<structure> "
                "keeps one structure's rows)")
    fitted = fitted_structure(name_or_path)
    differ = [f"{name}={switches[name]} (fitted: {value})" for name, value in fitted.items()
              if name in switches and switches[name] != value]
    if not differ:
        return None
    return (f"note: {KEY}={name_or_path} was fitted under another structure; this run has "
            f"{', '.join(differ)} (structure=peach_2026 runs it as fitted)")


_SAID: set[str] = set()


def say_structure_mismatch(name_or_path: str, switches: Mapping[str, Any]) -> None:
    """Print :func:`structure_mismatch`'s line to stderr, once per process and line."""
    line = structure_mismatch(name_or_path, switches)
    if line and line not in _SAID:
        _SAID.add(line)
        print(line, file=sys.stderr)

"""The design of a sweep: its factors, checks that the data fit it, and per-point arrays.

Every analysis starts from :func:`checked_sweep`, which checks the manifest (design.json)
against the dataset and returns the rows sorted by point and replication. The data must be
*balanced*: every design point ``0 ... points - 1`` is present with the same number of
replications, the number the manifest names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qicsim.config.sweep import DESIGNS as SWEEP_DESIGNS
from qicsim.errors import ConfigError
from qicsim.studies.sweep.plan import FORMAT

DESIGNS = tuple(d for d in SWEEP_DESIGNS if d != "none")
DEFAULT_OUTCOMES = ("implemented", "homes_with_implementation_share", "sustained", "spread",
                    "measured_share", "cost_gbp")
"""Outcomes analysed when none are named (those present in the data)."""
HEADLINE = "implemented"
"""The headline outcome of the report (the first analysed outcome if absent)."""
# What identifies a run, never an outcome: the ensemble columns too (a row number is not a result).
DESIGN_COLUMNS = ("point", "base", "label", "replication", "seed", "removed", "ensemble_draw", "ensemble_set")


@dataclass(frozen=True)
class Factor:
    """A factor of the design, as design.json describes it.

    Attributes:
        name: The factor's name; its column in the dataset.
        code: ``C1`` ... ``C10`` for a context, else the name.
        kind: ``context`` or ``parameter``.
        bounds: ``(lo, hi)``.
        levels: The factorial's levels, or None for other designs.
        integer: Whether the model rounds the value to an integer.
    """

    name: str
    code: str
    kind: str
    bounds: tuple[float, float]
    levels: tuple[float, ...] | None
    integer: bool

    @property
    def label(self) -> str:
        """``C4 protected_time`` for a context, the name for a parameter."""
        return f"{self.code} {self.name}" if self.code != self.name else self.name


@dataclass(frozen=True)
class Sweep:
    """A checked sweep: the manifest, its factors and the rows sorted by point, replication.

    Attributes:
        data: The dataset, sorted by ``point`` then ``replication``, index 0 ... n-1.
        manifest: design.json as a dict.
        design: The design kind.
        factors: The factors, in manifest order (empty for one-at-a-time designs).
        points: Number of design points.
        replications: Replications per point.
    """

    data: pd.DataFrame
    manifest: dict[str, Any]
    design: str
    factors: tuple[Factor, ...]
    points: int
    replications: int

    @property
    def settings(self) -> dict[str, Any]:
        """The manifest's design settings (empty if absent)."""
        settings = self.manifest.get("settings")
        return settings if isinstance(settings, dict) else {}

    def point_rows(self) -> pd.DataFrame:
        """The first row of each point, in point order (the point's factor values)."""
        return self.data.iloc[:: self.replications].reset_index(drop=True)

    def values(self, column: str) -> np.ndarray:
        """A column as a float array of shape (points, replications); NaN where missing.

        Raises:
            ConfigError: If the column is absent or not numeric.
        """
        return numeric(self.data, column).reshape(self.points, self.replications)

    def factor_matrix(self) -> np.ndarray:
        """The factors' values at each point, shape (points, factors)."""
        rows = self.point_rows()
        return np.column_stack([numeric(rows, f.name) for f in self.factors]) if self.factors else \
            np.empty((self.points, 0))


def numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    """A column of the dataset as floats.

    Raises:
        ConfigError: If the column is absent or not numeric.
    """
    if column not in data.columns:
        raise ConfigError(f"dataset.{column}", "no such column", "a column of the dataset")
    try:
        return pd.to_numeric(data[column], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"dataset.{column}", "not numeric", "a numeric column") from exc


def _int(manifest: dict[str, Any], key: str) -> int:
    value = manifest.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"design.json:{key}", f"{value!r} is not a positive whole number",
                          "a positive whole number")
    return value


def _pair(key: str, value: Any) -> tuple[float, ...]:
    if (not isinstance(value, (list, tuple)) or len(value) < 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise ConfigError(key, f"{value!r} is not a list of numbers", "a list [lo, hi]")
    return tuple(float(v) for v in value)


def factors(manifest: dict[str, Any]) -> tuple[Factor, ...]:
    """The factors design.json lists.

    Args:
        manifest: design.json as a dict.

    Returns:
        The factors, in manifest order.

    Raises:
        ConfigError: If ``factors`` is not a list of factor entries.
    """
    entries = manifest.get("factors") or []
    if not isinstance(entries, list):
        raise ConfigError("design.json:factors", "not a list", "a list of {name, code, kind, bounds, levels}")
    out = []
    for i, entry in enumerate(entries):
        key = f"design.json:factors[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise ConfigError(key, f"{entry!r} is not a factor", "a mapping with a name")
        bounds = _pair(f"{key}.bounds", entry.get("bounds"))[:2]
        levels = entry.get("levels")
        out.append(Factor(
            name=entry["name"], code=str(entry.get("code") or entry["name"]), kind=str(entry.get("kind", "parameter")),
            bounds=(bounds[0], bounds[1]), levels=None if levels is None else _pair(f"{key}.levels", levels),
            integer=bool(entry.get("integer", False))))
    names = [f.name for f in out]
    if len(set(names)) != len(names):
        raise ConfigError("design.json:factors", "a factor name appears twice", "distinct factor names")
    return tuple(out)


def checked_sweep(data: pd.DataFrame, manifest: dict[str, Any], design: str | None = None) -> Sweep:
    """Check a dataset against its manifest.

    Args:
        data: The dataset (docs/sweep-format.md).
        manifest: design.json as a dict.
        design: The design kind the caller needs, or None for any.

    Returns:
        The checked sweep, rows sorted by point and replication.

    Raises:
        ConfigError: If the manifest is malformed, the design is not the one needed, a
            column is missing, or the data are unbalanced (a point missing, or a point
            with a different number of replications than the manifest names).
    """
    if not isinstance(manifest, dict):
        raise ConfigError("design.json", "not a JSON object", "the manifest of docs/sweep-format.md")
    if "format" in manifest and manifest["format"] != FORMAT:
        raise ConfigError("design.json:format", f"{manifest['format']!r} is not supported", FORMAT)
    kind = manifest.get("design")
    if kind not in DESIGNS:
        raise ConfigError("design.json:design", f"{kind!r} is not a design", f"one of {', '.join(DESIGNS)}")
    if design is not None and kind != design:
        raise ConfigError("design.json:design", f"this analysis needs a {design} design, not {kind}", design)
    points = _int(manifest, "points")
    replications = _int(manifest, "replications")
    facs = () if kind == "one_at_a_time" else factors(manifest)
    if kind != "one_at_a_time" and not facs:
        raise ConfigError("design.json:factors", "empty", f"at least one factor for a {kind} design")
    needed = ["point", "replication", *(f.name for f in facs)]
    if kind == "one_at_a_time":
        needed += ["base", "removed"]
    for column in needed:
        if column not in data.columns:
            raise ConfigError(f"dataset.{column}", "no such column", f"the columns of a {kind} sweep")
    data = data.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)
    point = numeric(data, "point")
    expected = np.repeat(np.arange(points), replications)
    if len(point) != len(expected) or not np.array_equal(point, expected):
        counts = data.groupby("point").size()
        raise ConfigError(
            "dataset", f"unbalanced: {len(data)} rows over {len(counts)} points "
            f"({counts.min() if len(counts) else 0}-{counts.max() if len(counts) else 0} replications each)",
            f"points 0-{points - 1} with {replications} replications each, as design.json says")
    sweep = Sweep(data, manifest, kind, facs, points, replications)
    for f in facs:
        values = sweep.values(f.name)
        if not np.all(values == values[:, :1]):
            raise ConfigError(f"dataset.{f.name}", "differs between replications of a point",
                              "one value per design point")
    if kind == "factorial":
        two_level_codes(sweep)
    elif kind == "morris" and points % (len(facs) + 1):
        raise ConfigError("design.json:points", f"{points} is not a multiple of factors + 1 = {len(facs) + 1}",
                          "trajectories of factors + 1 points (SALib's Morris sample)")
    elif kind == "sobol":
        per = 2 * len(facs) + 2 if sweep.settings.get("sobol_second_order") else len(facs) + 2
        if points % per:
            raise ConfigError("design.json:points", f"{points} is not a multiple of {per}",
                              "N x (factors + 2), or N x (2 factors + 2) with second order (SALib's Saltelli sample)")
    return sweep


def two_level_codes(sweep: Sweep) -> np.ndarray:
    """The factorial's coded design: +1 where a factor is at its high level, -1 at its low.

    Args:
        sweep: A factorial sweep.

    Returns:
        Array of shape (points, factors) of -1 and +1.

    Raises:
        ConfigError: If a factor does not have two levels, a value is not one of them, or
            the design is not a balanced full factorial (every combination of levels
            equally often).
    """
    matrix = sweep.factor_matrix()
    coded = np.empty_like(matrix)
    for j, f in enumerate(sweep.factors):
        if f.levels is None or len(f.levels) != 2 or f.levels[0] == f.levels[1]:
            raise ConfigError(f"design.json:factors[{j}].levels", f"{f.levels!r} is not two levels",
                              "two levels [lo, hi] for a two-level factorial")
        lo, hi = f.levels
        is_lo, is_hi = np.isclose(matrix[:, j], lo), np.isclose(matrix[:, j], hi)
        if not np.all(is_lo | is_hi):
            raise ConfigError(f"dataset.{f.name}", "has a value that is not one of its levels", f"{lo:g} or {hi:g}")
        coded[:, j] = np.where(is_hi, 1.0, -1.0)
    _, counts = np.unique(coded, axis=0, return_counts=True)
    if len(counts) != 2 ** len(sweep.factors) or counts.min() != counts.max():
        raise ConfigError("dataset", f"{len(counts)} of {2 ** len(sweep.factors)} level combinations, "
                          f"{counts.min()}-{counts.max()} points each", "a balanced two-level full factorial")
    return coded


def select_outcomes(data: pd.DataFrame, outcomes: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """The outcome columns to analyse.

    Args:
        data: The dataset.
        outcomes: Names asked for, or None for those of :data:`DEFAULT_OUTCOMES` in the data.

    Returns:
        The names, in the order asked (duplicates removed).

    Raises:
        ConfigError: If a name asked for is not a numeric column, or none is left.
    """
    if outcomes is None:
        chosen = [name for name in DEFAULT_OUTCOMES if name in data.columns]
        if not chosen:
            raise ConfigError("outcomes", "none of the default outcomes is in the dataset",
                              ", ".join(DEFAULT_OUTCOMES))
        return chosen
    chosen = list(dict.fromkeys(outcomes))
    if not chosen:
        raise ConfigError("outcomes", "empty", "at least one outcome column")
    for name in chosen:
        if name in DESIGN_COLUMNS:
            raise ConfigError(f"outcome {name}", "is a design column", "a run outcome or mech_ column")
        numeric(data, name)
    return chosen

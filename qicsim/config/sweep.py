"""The ``sweep`` section of the config: which design to run, over which factors, in how many jobs.

A sweep runs a *design* (a table of points, each a base config with some factors set) for
``run.replications`` replications per point. The points are split into ``sweep.jobs``
chunks (job j takes points j, j + jobs, ...); each Hydra job (``sweep.job`` = 0 ... jobs-1) runs one chunk in one
process. Nothing here imports Hydra: the schema and the runner share these classes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from qicsim.errors import ConfigError
from qicsim.model.contexts import CONTEXT_NAMES
from qicsim.model.parameters import Parameters

DESIGNS = ("none", "factorial", "morris", "sobol", "one_at_a_time")
MAX_JOBS = 100_000
MAX_ENSEMBLE_DRAWS = 10_000


@dataclass
class SweepSettings:
    """Settings of a designed sweep (``design: none`` for a plain run or an ad-hoc multirun).

    Attributes:
        name: The sweep's folder under ``results/sweeps/``; a sweep started again with the
            same name and settings resumes there.
        design: One of ``DESIGNS``.
        factors: Factor name (a context, or a field of ``parameters``) to its values: the
            levels for ``factorial``, ``[lo, hi]`` bounds for ``morris`` and ``sobol``, and
            ``[removed, present]`` for ``one_at_a_time`` (the first value is used).
        only: If not empty, the design uses only these of ``factors`` (the others keep
            their base values): ``sweep.only=[protected_time,alignment]``.
        bases: Scenarios a ``one_at_a_time`` design starts from (else the config's own).
        jobs: How many Hydra jobs the points are split into.
        job: This job's index (set by the sweeper: ``range(0, jobs)``).
        morris_trajectories: Morris trajectories (r).
        morris_levels: Morris grid levels (p; even).
        sobol_base_samples: Saltelli base sample size N (a power of 2); N(D+2) points.
        sobol_second_order: Whether to sample for second-order Sobol indices too.
        collect: Collect the dataset when the multirun ends.
        analyse: Run the analyses on the collected dataset.
        ensemble: An ensemble of parameter sets (a shipped name or a CSV path, as
            ``run.ensemble`` takes; docs/analysis.md) whose draws are crossed with the design.
        ensemble_draws: K > 0 runs every design point under each of K parameter sets drawn
            from ``ensemble`` (the draw is then a condition of the design, recorded per run as
            ``ensemble_draw``); 0 runs the design at the config's parameters.
    """

    name: str = "adhoc"
    design: str = "none"
    factors: dict[str, list[Any]] = field(default_factory=dict)  # numbers; checked by check_factor
    only: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    jobs: int = 1
    job: int = 0
    morris_trajectories: int = 20
    morris_levels: int = 4
    sobol_base_samples: int = 256
    sobol_second_order: bool = False
    collect: bool = True
    analyse: bool = True
    ensemble: str = ""
    ensemble_draws: int = 0


PARAMETER_FIELDS = {f.name: f for f in fields(Parameters)}
assert not set(PARAMETER_FIELDS) & set(CONTEXT_NAMES)  # a factor name is unambiguous


def folder_name(name: str, only: Any = ()) -> str:
    """The sweep's folder name: ``name``, or ``<name>-only-<factor>-...`` for a subset of its design.

    A subset never takes the full design's folder, so that the full sweep is not then refused
    as "another sweep" there.
    """
    return f"{name}-only-{'-'.join(str(o) for o in only)}" if only else name


def factor_allowed() -> str:
    """Text naming what a factor may be, for error messages."""
    return "a context (e.g. protected_time) or a field of parameters (see docs/parameters.md)"


def validate_sweep(sweep: SweepSettings) -> None:
    """Check a sweep's settings: those of every sweep, then its factors, then its design's own.

    Args:
        sweep: The settings.

    Raises:
        ConfigError: On the first setting not allowed.
    """
    if sweep.design not in DESIGNS:
        raise ConfigError("sweep.design", f"unknown design {sweep.design!r}", f"one of {', '.join(DESIGNS)}")
    if not sweep.name or any(c in sweep.name for c in "/\\") or sweep.name.startswith("."):
        raise ConfigError("sweep.name", f"{sweep.name!r} is not a folder name", "a name without / or a leading dot")
    if not 1 <= sweep.jobs <= MAX_JOBS:
        raise ConfigError("sweep.jobs", f"{sweep.jobs} is out of range", f"a whole number in [1, {MAX_JOBS}]")
    if not 0 <= sweep.job < sweep.jobs:
        raise ConfigError("sweep.job", f"{sweep.job} is out of range", f"a whole number in [0, {sweep.jobs - 1}]")
    if sweep.design == "none":
        return
    if not sweep.factors:
        raise ConfigError("sweep.factors", "no factors", f"at least one of: {factor_allowed()}")
    for name in sweep.only:
        if name not in sweep.factors:
            raise ConfigError("sweep.only", f"{name!r} is not a factor of this design",
                              f"some of {', '.join(sweep.factors)}")
    for name, values in sweep.factors.items():
        check_factor(name, list(values), sweep.design)
    DESIGN_CHECKS.get(sweep.design, lambda sweep: None)(sweep)
    check_ensemble_draws(sweep)


def check_ensemble_draws(sweep: SweepSettings) -> None:
    """Ensemble draws as a condition: K in [0, MAX_ENSEMBLE_DRAWS], and an ensemble exactly when K > 0."""
    k = sweep.ensemble_draws
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= MAX_ENSEMBLE_DRAWS:
        raise ConfigError("sweep.ensemble_draws", f"{k!r} is out of range",
                          f"a whole number in [0, {MAX_ENSEMBLE_DRAWS}] (0: no ensemble)")
    if k and not sweep.ensemble:
        raise ConfigError("sweep.ensemble", "empty, but sweep.ensemble_draws is set",
                          "an ensemble name or CSV path, e.g. sweep.ensemble=peach")
    if sweep.ensemble and not k:
        raise ConfigError("sweep.ensemble_draws", "0, but sweep.ensemble is set",
                          "the number of parameter sets to draw, e.g. sweep.ensemble_draws=10")


def check_morris(sweep: SweepSettings) -> None:
    """Morris: at least 2 trajectories on an even number of grid levels."""
    if sweep.morris_trajectories < 2:
        raise ConfigError("sweep.morris_trajectories", f"{sweep.morris_trajectories} is too few", "a whole number >= 2")
    if sweep.morris_levels < 2 or sweep.morris_levels % 2:
        raise ConfigError("sweep.morris_levels", f"{sweep.morris_levels} is not allowed", "an even whole number >= 2")


def check_sobol(sweep: SweepSettings) -> None:
    """Sobol: Saltelli's base sample size is a power of 2."""
    n = sweep.sobol_base_samples
    if n < 2 or n & (n - 1):
        raise ConfigError("sweep.sobol_base_samples", f"{n} is not a power of 2", "a power of 2 >= 2, e.g. 256")


def check_one_at_a_time(sweep: SweepSettings) -> None:
    """One at a time: only contexts are removed."""
    bad = [c for c in sweep.factors if c not in CONTEXT_NAMES]
    if bad:
        raise ConfigError(f"sweep.factors.{bad[0]}", "one_at_a_time removes contexts only",
                          f"one of {', '.join(CONTEXT_NAMES)}")


DESIGN_CHECKS: dict[str, Callable[[SweepSettings], None]] = {
    "morris": check_morris, "sobol": check_sobol, "one_at_a_time": check_one_at_a_time}


def bounds_shape(design: str) -> Callable[[str, list[Any]], None]:
    """Morris and Sobol factors: ``[lo, hi]`` with lo < hi."""
    def check(key: str, values: list[Any]) -> None:
        if len(values) != 2 or not values[0] < values[1]:
            raise ConfigError(key, f"{values} is not allowed for a {design} design", "[lo, hi] with lo < hi")
    return check


def levels_shape(key: str, values: list[Any]) -> None:
    """Factorial factors: at least two distinct levels."""
    if len(values) < 2 or len(set(values)) != len(values):
        raise ConfigError(key, f"{values} is not allowed for a factorial design", "at least 2 distinct levels")


def removed_shape(key: str, values: list[Any]) -> None:
    """One-at-a-time factors: the value a removed context takes comes first."""
    if not values:
        raise ConfigError(key, "no value", "[removed_value, ...], e.g. [0, 1]")


FACTOR_SHAPES: dict[str, Callable[[str, list[Any]], None]] = {
    "factorial": levels_shape, "morris": bounds_shape("morris"), "sobol": bounds_shape("sobol"),
    "one_at_a_time": removed_shape}


def check_factor(name: str, values: list[Any], design: str) -> None:
    """Check one factor's name, its values' shape for the design, and each value against the setting's range.

    Raises:
        ConfigError: For an unknown factor, values of the wrong shape, or a value out of range.
    """
    key = f"sweep.factors.{name}"
    if name in CONTEXT_NAMES:
        lo, hi, integer = 0.0, 1.0, False
    elif name in PARAMETER_FIELDS and not isinstance(PARAMETER_FIELDS[name].default, list | bool):
        meta = PARAMETER_FIELDS[name].metadata
        lo = -math.inf if meta.get("lo") is None else meta["lo"]
        hi = math.inf if meta.get("hi") is None else meta["hi"]
        integer = bool(meta.get("integer"))
    elif name.startswith("parameters.") and name.removeprefix("parameters.") in PARAMETER_FIELDS:
        raise ConfigError(key, "a parameter factor is named without the parameters. prefix",
                          f"sweep.factors.{name.removeprefix('parameters.')}")
    else:
        raise ConfigError(key, "unknown factor", factor_allowed())
    FACTOR_SHAPES[design](key, values)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise ConfigError(key, f"{value!r} is out of range", f"numbers in [{lo:g}, {hi:g}]")
    if integer and design == "factorial" and any(float(v) != int(v) for v in values):
        raise ConfigError(key, f"{values} are not whole numbers", "whole-number levels")

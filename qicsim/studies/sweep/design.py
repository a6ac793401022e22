"""Designs: the table of points a sweep runs, and how a point changes the model's settings.

A design is built deterministically from the sweep settings and the master seed, so every
job (on a laptop or a cluster node) rebuilds the same table and picks its own chunk.
Morris and Sobol samples come from SALib (Morris 1991 with Campolongo et al. 2007's
trajectories; Saltelli 2002/2010 sampling on a scrambled Sobol' sequence).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from qicsim.config.sweep import PARAMETER_FIELDS, SweepSettings
from qicsim.lazy import needs_extra
from qicsim.model.contexts import BY_CODE, CONTEXT_NAMES, CONTEXTS

CODE_OF = {c.name: c.code for c in CONTEXTS}
assert set(CODE_OF.values()) == set(BY_CODE)


@dataclass(frozen=True)
class Factor:
    """One input a design varies.

    Attributes:
        name: A context name or a field of ``parameters``.
        code: ``C1`` ... ``C10`` for a context, else the name.
        kind: ``context`` or ``parameter``.
        values: The factorial levels, Morris/Sobol ``[lo, hi]``, or the removed value first.
        integer: Whether the model needs a whole number (values are rounded when applied).
    """

    name: str
    code: str
    kind: str
    values: tuple[float, ...]
    integer: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        """Smallest and largest value."""
        return min(self.values), max(self.values)

    def as_dict(self, design: str) -> dict[str, Any]:
        """The manifest's description of the factor."""
        return {"name": self.name, "code": self.code, "kind": self.kind, "bounds": list(self.bounds),
                "levels": list(self.values) if design == "factorial" else None, "integer": self.integer}


def factors_of(sweep: SweepSettings) -> tuple[Factor, ...]:
    """The design's factors, in the order the config lists them (validated settings)."""
    out = []
    for name, values in sweep.factors.items():
        if sweep.only and name not in sweep.only:
            continue
        if name in CONTEXT_NAMES:
            out.append(Factor(name, CODE_OF[name], "context", tuple(float(v) for v in values)))
        else:
            integer = bool(PARAMETER_FIELDS[name].metadata.get("integer"))
            out.append(Factor(name, name, "parameter", tuple(float(v) for v in values), integer))
    return tuple(out)


class Bounded(Protocol):
    """A factor as SALib needs it: a name and (lo, hi) bounds (a design's or a manifest's factor)."""

    @property
    def name(self) -> str: ...  # noqa: D102

    @property
    def bounds(self) -> tuple[float, float]: ...  # noqa: D102


def salib_problem(factors: Sequence[Bounded]) -> dict[str, Any]:
    """SALib's problem definition: the data contract between sampling and analysis."""
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [list(f.bounds) for f in factors]}


def sampler_seed(master_seed: int) -> int:
    """The seed SALib's samplers get: a 32-bit value derived from the master seed."""
    return int(np.random.SeedSequence(master_seed).generate_state(1, np.uint32)[0])


def build_design(sweep: SweepSettings, base: str, master_seed: int,
                 sets: pd.DataFrame | None = None) -> pd.DataFrame:
    """The design table: one row per point with ``point``, ``base``, ``label`` and the factors.

    Args:
        sweep: Validated sweep settings (``design`` is not ``none``).
        base: The scenario of the job's own config (used unless ``sweep.bases`` is set).
        master_seed: Seeds the Morris and Sobol samplers.
        sets: Ensemble parameter sets to cross the design with (one row per set, see
            :mod:`qicsim.studies.sweep.ensemble_draws`), or None.

    Returns:
        The table, with ``point`` 0 ... n-1 in design order; crossed with K sets, point
        ``k * P + p`` is design point p under set k (its columns appended).
    """
    factors = factors_of(sweep)
    names = [f.name for f in factors]
    if sweep.design == "factorial":
        rows = list(itertools.product(*(f.values for f in factors)))
        table = pd.DataFrame(rows, columns=names, dtype=float)
        table.insert(0, "label", [" ".join(f"{f.code}={v:g}" for f, v in zip(factors, row, strict=True))
                                  for row in rows])
        table.insert(0, "base", base)
    elif sweep.design in ("morris", "sobol"):
        table = pd.DataFrame(salib_sample(sweep, factors, master_seed), columns=names)
        table.insert(0, "label", [f"{sweep.design} sample {i}" for i in range(len(table))])
        table.insert(0, "base", base)
    else:  # one_at_a_time
        rows = []
        for b in sweep.bases or [base]:
            rows += [(b, b, ""), *((b, f"{b} without {f.name}", f.name) for f in factors)]
        table = pd.DataFrame(rows, columns=["base", "label", "removed"])
    if sets is not None:
        table = cross_with_sets(table, sets)
    table.insert(0, "point", np.arange(len(table)))
    return table


def cross_with_sets(table: pd.DataFrame, sets: pd.DataFrame) -> pd.DataFrame:
    """Every row of a design under every parameter set: set k's copy of the design comes k-th."""
    parts = []
    for k, row in enumerate(sets.to_dict("records")):  # records keep each column's type
        part = table.copy()
        part["label"] = part["label"] + f" | set {k}"
        for name, value in row.items():
            part[name] = value
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def salib_sample(sweep: SweepSettings, factors: tuple[Factor, ...], master_seed: int) -> np.ndarray:
    """Morris trajectories or a Saltelli sample from SALib, seeded from the master seed."""
    # Imported here: SALib loads scipy and matplotlib, which a factorial does not need.
    with needs_extra("studies"):
        from SALib.sample import morris, sobol

    problem = salib_problem(factors)
    seed = sampler_seed(master_seed)
    if sweep.design == "morris":
        sample = morris.sample(problem, N=sweep.morris_trajectories, num_levels=sweep.morris_levels, seed=seed)
    else:
        sample = sobol.sample(problem, N=sweep.sobol_base_samples, calc_second_order=sweep.sobol_second_order,
                              scramble=True, seed=seed)
    # SALib scales the unit cube with floating point, e.g. 0.3 + 1.0 * 0.6 = 0.9000000000000001:
    # clip so that a bound that is also the setting's limit stays allowed.
    bounds = np.array(problem["bounds"])
    return np.clip(sample, bounds[:, 0], bounds[:, 1])


def apply_point(kwargs: dict[str, Any], factors: tuple[Factor, ...], point: pd.Series,
                ensemble_parameters: Sequence[str] = ()) -> dict[str, Any]:
    """The model's keyword arguments at one design point.

    The point's ensemble parameter set (if the design is crossed with one) replaces the
    parameters it holds; then a context factor sets the context's intensity at every site
    and week (per-site values and schedules of the base are cleared); a parameter factor
    sets the parameter (rounded if the model needs a whole number), so a factor wins over
    the ensemble. In a one-at-a-time design, the removed context is set to its factor's
    first value.

    Args:
        kwargs: The base's model keyword arguments (not changed).
        factors: The design's factors.
        point: The point's row of the design table.
        ensemble_parameters: The parameter columns of the point's ensemble set.

    Returns:
        New keyword arguments.
    """
    out = copy.deepcopy(kwargs)
    for name in ensemble_parameters:
        value = point[name].item() if hasattr(point[name], "item") else point[name]
        out[name] = round(value) if PARAMETER_FIELDS[name].metadata.get("integer") else value
    if "removed" in point.index:
        values = {f.name: f.values[0] for f in factors if f.name == point["removed"]}
    else:
        values = {f.name: float(point[f.name]) for f in factors}
    by_name = {f.name: f for f in factors}
    for name, value in values.items():
        factor = by_name[name]
        if factor.kind == "context":
            out["contexts"][name] = {"intensity": value, "sites": {}, "schedule": []}
        else:
            out[name] = round(value) if factor.integer else value
    return out


def chunk_points(n_points: int, jobs: int, job: int) -> range:
    """The points of job ``job`` when ``n_points`` are dealt to ``jobs``: ``job, job + jobs, ...``.

    Dealing, rather than cutting the design into consecutive blocks, gives every job a mix
    of the design: in a factorial the first factors vary slowest, so consecutive blocks
    differ in cost (a block with protected time on takes about twice as long as one
    without) and parallel workers would wait for the slowest. Sizes differ by at most one.
    """
    return range(job, n_points, jobs)

"""A distance that keeps informing: scaled deviations from the observations, with no flat zero inside a band.

The first calibration's distance (:class:`qicsim.studies.calibration.targets.ScaledMaxDistance`)
was the largest scaled deviation, and it stopped at 1 (every target within its band): inside the
bands every particle was as good as another, and only the binding target informed. Here every
target informs everywhere::

    d(x, x0) = ( sum_g w_g * mean_{k in g} |(x_k - x0_k) / s_k|^p  /  sum_g w_g ) ** (1/p)

``k`` runs over the points of the targets (an end point has one, a time course one per week or
event), ``g`` over the targets, ``s_k`` is the point's tolerance (from the source, or the rule the
table states) and ``w_g`` a target's weight (1 unless given). A time course counts as one target:
its points share the target's weight, so that a shape with many points does not outweigh an end
point. ``d`` is 0 only at the observations, grows strictly with every deviation, and is 1 when every
point is one tolerance away; an undefined statistic (NaN) makes it infinite.

With ``p = 2`` it equals pyabc's ``PNormDistance(p=2, fixed_weights=...)`` with the weights of
:meth:`ScaledDistance.pnorm_weights`, so pyabc's adaptive distances can start from these scales.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from qicsim.studies.calibration.programme_targets import ProgrammeTarget
from qicsim.studies.calibration.statistics import Tables, compute


class ScaledDistance:
    """The mean p-th power of scaled deviations, each target's points averaged, then the p-th root.

    Args:
        scales: Statistic key to its scale (the tolerance), each > 0.
        groups: Statistic key to the target it belongs to (a time course's points share one);
            by default each key is its own target.
        weights: Target to weight (> 0); 1 for a target not named.
        p: The power, >= 1 (2: root mean square).

    Raises:
        ValueError: For a scale or weight that is not a positive finite number, a ``p`` below 1,
            or groups that do not name exactly the keys of ``scales``.
    """

    def __init__(self, scales: Mapping[str, float], groups: Mapping[str, str] | None = None,
                 weights: Mapping[str, float] | None = None, p: float = 2.0) -> None:
        if not scales:
            raise ValueError("no statistic to compare")
        for key, scale in scales.items():
            if not (math.isfinite(scale) and scale > 0):
                raise ValueError(f"scale of {key}: {scale!r} is not a positive finite number")
        if not (math.isfinite(p) and p >= 1):
            raise ValueError(f"p: {p!r} is not a finite number >= 1")
        self.scales = dict(scales)
        self.groups = dict(groups) if groups is not None else {key: key for key in scales}
        if set(self.groups) != set(self.scales):
            raise ValueError("groups must name exactly the keys of scales")
        self.p = float(p)
        targets = list(dict.fromkeys(self.groups.values()))
        self.weights = {g: float((weights or {}).get(g, 1.0)) for g in targets}
        for g, w in self.weights.items():
            if not (math.isfinite(w) and w > 0):
                raise ValueError(f"weight of {g}: {w!r} is not a positive finite number")
        self.sizes = {g: sum(1 for v in self.groups.values() if v == g) for g in targets}

    def deviations(self, x: Mapping[str, float], x_0: Mapping[str, float]) -> dict[str, float]:
        """Each statistic's signed scaled deviation ``(x - x0) / s`` (NaN where ``x`` is undefined)."""
        return {key: (float(x[key]) - float(x_0[key])) / scale for key, scale in self.scales.items()}

    def by_target(self, x: Mapping[str, float], x_0: Mapping[str, float]) -> dict[str, float]:
        """Each target's mean of ``|deviation|^p`` over its points (its share of the distance before weighting)."""
        out = dict.fromkeys(self.weights, 0.0)
        for key, dev in self.deviations(x, x_0).items():
            out[self.groups[key]] += abs(dev) ** self.p / self.sizes[self.groups[key]]
        return out

    def __call__(self, x: Mapping[str, float], x_0: Mapping[str, float], *args: object) -> float:
        """The distance (pyabc passes further arguments, such as the generation, which it ignores)."""
        parts = self.by_target(x, x_0)
        if any(math.isnan(v) for v in parts.values()):
            return math.inf
        total = sum(self.weights[g] * v for g, v in parts.items()) / sum(self.weights.values())
        return total ** (1.0 / self.p)

    def pnorm_weights(self) -> dict[str, float]:
        """Per-statistic weights ``v_k`` with ``d = (sum_k |v_k (x_k - x0_k)|^p) ** (1/p)`` (pyabc's p-norm)."""
        total = sum(self.weights.values())
        return {key: (self.weights[g] / (total * self.sizes[g])) ** (1.0 / self.p) / self.scales[key]
                for key, g in self.groups.items()}


def observed(targets: Iterable[ProgrammeTarget]) -> dict[str, float]:
    """The observations ``x0`` of the targets, one per point, by key (``id`` or ``id@at``)."""
    return {key: point.value for t in targets for key, point in zip(t.statistic_keys(), t.points, strict=True)}


def distance_for(targets: Iterable[ProgrammeTarget], weights: Mapping[str, float] | None = None,
                 p: float = 2.0) -> ScaledDistance:
    """The scaled distance over the targets' points, each scaled by its tolerance.

    Raises:
        ValueError: If a target is not usable (it has no tolerance, or its statistic needs the model).
    """
    targets = list(targets)
    for t in targets:
        if not t.usable:
            raise ValueError(f"{t.id} is {t.status}: not a target a fit can use")
    scales = {key: float(point.tolerance) for t in targets  # type: ignore[arg-type] - usable: tolerance set
              for key, point in zip(t.statistic_keys(), t.points, strict=True)}
    groups = {key: t.id for t in targets for key in t.statistic_keys()}
    return ScaledDistance(scales, groups, weights, p)


def simulated(tables: Tables, targets: Iterable[ProgrammeTarget]) -> dict[str, float]:
    """A particle's statistics ``x`` from one programme's tables: each point's mean over replications.

    Replications in which a statistic is undefined are left out of its mean; NaN if it is
    undefined in all of them (the distance is then infinite).
    """
    out = {}
    for t in targets:
        for key, point in zip(t.statistic_keys(), t.points, strict=True):
            values = compute(t.statistic, tables, point.at).to_numpy(dtype=float)
            values = values[~np.isnan(values)]
            out[key] = float(values.mean()) if len(values) else math.nan
    return out


class ToleranceFloorScale:
    """A scale function for pyabc's adaptive distance: each statistic's MAD in a generation, at least its tolerance.

    A statistic the particles spread widely counts for less (pyabc's adaptive distances, Prangle 2017),
    so no target outweighs the others by its scale alone; the tolerance as a floor means no statistic
    counts more than its source's tolerance allows, however little the particles vary it (a statistic
    every particle gets exactly would otherwise weigh without bound). As the particles close in, the
    MADs fall below the tolerances and the distance becomes :class:`ScaledDistance`.

    Args:
        tolerances: Statistic key to its tolerance, each > 0.
    """

    __name__ = "tolerance_floor_mad"  # pyabc records its scale function by name

    def __init__(self, tolerances: Mapping[str, float]) -> None:
        self.tolerances = dict(tolerances)

    def __call__(self, *, samples: np.ndarray, s0: np.ndarray, s_ids: list[str], **kwargs: object) -> np.ndarray:
        """The scales: ``max(tolerance_k, median(|x_k - median(x_k)|))`` over the finite samples of each key."""
        floors = np.array([self.tolerances[key] for key in s_ids], dtype=float)
        samples = np.asarray(samples, dtype=float)
        with np.errstate(all="ignore"):
            median = np.nanmedian(samples, axis=0)
            mad = np.nanmedian(np.abs(samples - median), axis=0)
        return np.fmax(floors, np.nan_to_num(mad, nan=0.0))


def adaptive_distance_for(targets: Iterable[ProgrammeTarget], p: float = 2.0) -> Any:
    """The adaptive p-norm distance of pyabc over the targets' points, scaled by :class:`ToleranceFloorScale`.

    A time course's points share their target's weight (the fixed weights of :class:`ScaledDistance`);
    before the first generation's scales the tolerances scale the distance.
    """
    from pyabc.distance import AdaptivePNormDistance

    fixed = distance_for(targets, p=p)
    pnorm = fixed.pnorm_weights()
    return AdaptivePNormDistance(
        p=p, initial_scale_weights={key: 1.0 / scale for key, scale in fixed.scales.items()},
        fixed_weights={key: pnorm[key] * fixed.scales[key] for key in fixed.scales},
        scale_function=ToleranceFloorScale(fixed.scales))

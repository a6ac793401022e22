"""Scenario discovery with PRIM: the boxes of conditions under which most homes implement.

PRIM, the patient rule induction method (Friedman and Fisher 1999), as scenario discovery
uses it (Bryant and Lempert 2010), with ema-workbench's implementation
(``ema_workbench.analysis.prim``). Cases are runs; the *outcome of interest* is the QCA
outcome set, by default "most homes implement at least one improvement"
(``homes_with_implementation_share > 0.5``); the *inputs* are the design's factors (contexts
and parameters; ``base`` and ``removed`` as categories in a one-at-a-time design) and, when the
sweep is crossed with an ensemble, each run's ensemble parameters.

PRIM peels a box from the whole input space, a small share (``peel_alpha``) of the runs at a
time, keeping the runs of interest in, then pastes back what it can. Each step of the peeling
trajectory has a *coverage* (share of all runs of interest inside the box) and a *density*
(share of the box's runs that are of interest). The box reported is the step with the largest
coverage whose density is at least ``threshold`` (0.8 by default); then PRIM looks for a next
box among the runs outside it, up to ``max_boxes``, while a box meeting the threshold is found.
"""

from __future__ import annotations

import inspect
import logging
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qicsim.errors import ConfigError
from qicsim.lazy import needs_extra
from qicsim.studies.analysis.design import checked_sweep, numeric
from qicsim.studies.analysis.qca import DEFAULT_RULE, OutcomeRule
from qicsim.studies.sweep.ensemble_draws import SET_COLUMN

BOX_COLUMNS = ("box", "coverage", "density", "mass", "n_runs", "restricted", "limits")
LIMIT_COLUMNS = ("box", "input", "low", "high", "levels")
MAX_BOXES = 3


@dataclass(frozen=True)
class Scenarios:
    """PRIM boxes.

    Attributes:
        rule: The outcome of interest.
        threshold: The density a box reaches.
        inputs: The inputs PRIM could restrict.
        boxes: Columns :data:`BOX_COLUMNS`, one row per box, ``limits`` a readable summary.
        limits: Columns :data:`LIMIT_COLUMNS`: each restricted input of each box.
        trajectories: Each box's peeling trajectory (``box``, ``step``, ``coverage``, ``density``,
            ``mass``, ``res_dim``, ``chosen``).
        n_runs: Runs analysed.
        n_interest: Runs of interest.
    """

    rule: OutcomeRule
    threshold: float
    inputs: tuple[str, ...]
    boxes: pd.DataFrame
    limits: pd.DataFrame
    trajectories: pd.DataFrame
    n_runs: int
    n_interest: int


def prim_module() -> Any:
    """ema-workbench's PRIM, imported without its warnings about the optional ipyparallel and altair.

    Its logger is quieted to warnings: PRIM logs each peeling step at INFO ("5120 points remaining,
    containing ... cases of interest"), and in a sweep Hydra's logging shows those lines, tagged as
    its own, in the command's output and log.
    """
    with warnings.catch_warnings(), needs_extra("studies"):
        warnings.filterwarnings("ignore", message=".*(ipyparallel|altair).*")
        from ema_workbench.analysis import prim
        from ema_workbench.util import ema_logging
    ema_logging.get_rootlogger().setLevel(logging.WARNING)  # made (at DEBUG) on first use, then kept
    return prim


def prim_inputs(data: pd.DataFrame, manifest: dict[str, Any]) -> pd.DataFrame:
    """The inputs of each run: factors (``base``/``removed`` as categories) and ensemble parameters."""
    sweep = checked_sweep(data, manifest)
    columns: dict[str, Any] = {}
    if sweep.design == "one_at_a_time":
        for name in ("base", "removed"):
            values = sweep.data[name].fillna("").astype(str).replace("", "(none)")
            if values.nunique() > 1:
                columns[name] = values.astype("category")
    for f in sweep.factors:
        columns[f.name] = numeric(sweep.data, f.name)
    ensemble = manifest.get("ensemble_sets")
    names = ensemble.get("parameters", []) if isinstance(ensemble, dict) else []
    for name in names:
        if name in sweep.data.columns and name not in columns:
            columns[name] = numeric(sweep.data, name)
    return pd.DataFrame(columns)


def _limits_text(limits: pd.DataFrame, x: pd.DataFrame) -> str:
    """The box as text; a category restriction as what it excludes when that is shorter."""
    parts = []
    for r in limits.itertuples(index=False):
        if not r.levels:
            parts.append(f"{r.low:.3g} <= {r.input} <= {r.high:.3g}")
            continue
        kept = r.levels.split(", ")
        left_out = sorted(set(map(str, x[r.input].unique())) - set(kept))
        parts.append(f"{r.input} not in {{{', '.join(left_out)}}}" if len(left_out) < len(kept)
                     else f"{r.input} in {{{r.levels}}}")
    return "; ".join(parts) if parts else "(all runs)"


def discover(x: pd.DataFrame, y: np.ndarray, rule: OutcomeRule = DEFAULT_RULE, *, threshold: float = 0.8,
             max_boxes: int = MAX_BOXES, peel_alpha: float = 0.05, mass_min: float = 0.05) -> Scenarios:
    """PRIM boxes of the cases of interest.

    Args:
        x: One row per case, one column per input (numbers, or categories).
        y: Whether each case is of interest (bool).
        rule: The rule that made ``y`` (for the report).
        threshold: Least density of a reported box.
        max_boxes: Most boxes to look for.
        peel_alpha: Share of the runs peeled at each step.
        mass_min: Least share of the runs a box keeps.

    Returns:
        The boxes (none if no box reaches the threshold).

    Raises:
        ConfigError: For bad settings, no input, or no case of interest.
    """
    for key, value in (("prim_threshold", threshold), ("peel_alpha", peel_alpha), ("mass_min", mass_min)):
        if not 0 < value <= 1:
            raise ConfigError(key, f"{value!r} is out of range", "a number in (0, 1]")
    if x.shape[1] == 0:
        raise ConfigError("PRIM inputs", "none vary", "a design with factors or ensemble parameters")
    y = np.asarray(y, dtype=bool)
    prim = prim_module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema-workbench's own deprecation warnings from pandas
        # ema-workbench 2.5 (Python 3.11) takes the threshold as an argument; 3.0 does not
        extra = {"threshold": threshold} if "threshold" in inspect.signature(prim.Prim).parameters else {}
        analysis = prim.Prim(x.reset_index(drop=True), y, peel_alpha=peel_alpha, mass_min=mass_min, **extra)
    boxes, limits, steps = [], [], []
    for number in range(1, max_boxes + 1):
        if not y.any():
            break
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ema warns when a box's density falls below its own default
            box = analysis.find_box()
        if box is None:
            break
        trajectory = box.peeling_trajectory.reset_index(drop=True)
        meets = np.flatnonzero(trajectory["density"].to_numpy() >= threshold)
        chosen = int(meets[np.argmax(trajectory["coverage"].to_numpy()[meets])]) if len(meets) else -1
        steps.append(trajectory.assign(box=number, step=np.arange(len(trajectory)),
                                       chosen=np.arange(len(trajectory)) == chosen))
        if chosen < 0:
            break
        box.select(chosen)
        lims = box.box_lims[chosen]
        rows = []
        for name in x.columns:
            lo, hi = lims[name].iloc[0], lims[name].iloc[1]
            init_lo, init_hi = analysis.box_init[name].iloc[0], analysis.box_init[name].iloc[1]
            if isinstance(lo, set):
                if lo != init_lo:
                    rows.append((number, name, np.nan, np.nan, ", ".join(sorted(map(str, lo)))))
            elif lo != init_lo or hi != init_hi:
                rows.append((number, name, float(lo), float(hi), ""))
        box_limits = pd.DataFrame(rows, columns=list(LIMIT_COLUMNS))
        limits.append(box_limits)
        entry = trajectory.iloc[chosen]
        boxes.append((number, float(entry["coverage"]), float(entry["density"]), float(entry["mass"]),
                      int(entry["n"]) if "n" in entry else round(float(entry["mass"]) * len(x)),
                      len(box_limits), _limits_text(box_limits, x)))
    return Scenarios(rule, threshold, tuple(x.columns), pd.DataFrame(boxes, columns=list(BOX_COLUMNS)),
                     pd.concat(limits, ignore_index=True) if limits else pd.DataFrame(columns=list(LIMIT_COLUMNS)),
                     pd.concat(steps, ignore_index=True) if steps else pd.DataFrame(), len(x), int(y.sum()))


def scenario_discovery(data: pd.DataFrame, manifest: dict[str, Any], rule: OutcomeRule = DEFAULT_RULE, *,
                       threshold: float = 0.8, max_boxes: int = MAX_BOXES) -> Scenarios:
    """PRIM over a sweep's runs: the boxes of inputs where the outcome set (``rule``) is most common.

    Runs without a value of the rule's column are left out.

    Raises:
        ConfigError: For data that do not fit the manifest, a missing column, no varying input,
            or bad settings.
    """
    x = prim_inputs(data, manifest)
    x = x.drop(columns=[SET_COLUMN], errors="ignore")
    values = numeric(checked_sweep(data, manifest).data, rule.column)
    keep = ~np.isnan(values)
    return discover(x[keep], rule.applies(values[keep]), rule, threshold=threshold, max_boxes=max_boxes)

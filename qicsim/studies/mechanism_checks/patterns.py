"""The PEACH patterns (docs/evidence.md, section 4) as checks with stated thresholds.

One set of conditions (PEACH, PEACH without each of C1-C9, without C3 and C4 together, and
with data support) is run on shared seeds; each pattern is then a function of their
per-replication outcomes. The tests (``tests/test_patterns.py``) and the robustness table
(``experiments/robustness.py``) use the same checks. Effects are paired differences over
replications; ``Z_MIN`` standard errors is the bar for "raises" or "lowers".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from qicsim.model import QICModel
from qicsim.model.contexts import ENABLING
from qicsim.model.project import Stage
from qicsim.run.evaluator import Replication, evaluate
from qicsim.run.runner import outcome_and_mechanism_row
from qicsim.studies.mechanism_checks.runs import (
    condition_kwargs,
    frame,
    paired,
    seeds,
    with_context,
    without,
)

Z_MIN = 3.0
N_HOMES = 29  # PEACH (docs/evidence.md, section 1)
N_TEAMS = 4
C1_TO_C9 = ENABLING  # the nine contexts of the paper's conclusion, from the registry
CONDITIONS: dict[str, tuple[str, ...]] = {
    "peach": (),
    **{f"without_{c}": without(c) for c in C1_TO_C9},
    "without_hierarchy_reduction_and_protected_time": without("hierarchy_reduction") + without("protected_time"),
    "with_data_support": with_context("data_support"),
}
ALIGNED = 0.5  # alignment at or above which an improvement counts as "aligned" (pattern 5)


@dataclass(frozen=True)
class PatternCheck:
    """One pattern's verdict.

    Attributes:
        pattern: 1-6 as in docs/evidence.md, section 4 (with a letter for a second check).
        claim: What is checked, with the threshold.
        passed: Whether the condition holds.
        figure: What was measured.
    """

    pattern: str
    claim: str
    passed: bool
    figure: str


def pattern_row(model: QICModel, replication: Replication) -> dict[str, Any]:
    """Run outcomes and mechanism totals (``mech_<count>``) of one finished replication (the evaluator's hook).

    Also the sustainment counts pattern 5 compares.
    """
    run = outcome_and_mechanism_row(model)
    implemented = [p for p in model.projects if p.week_implemented >= 0]
    stable = [p.alignment >= ALIGNED and not p.champion_lost for p in implemented]
    sustained = [p.stage == Stage.SUSTAINED for p in implemented]
    run["stable_implemented"] = sum(stable)
    run["stable_sustained"] = sum(s and t for s, t in zip(stable, sustained, strict=True))
    run["other_implemented"] = len(implemented) - sum(stable)
    run["other_sustained"] = sum(t and not s for s, t in zip(stable, sustained, strict=True))
    return run


def run_conditions(overrides: tuple[str, ...] = (), *, replications: int = 100, master_seed: int = 4242,
                   workers: int = 1, scenario: str = "peach") -> dict[str, pd.DataFrame]:
    """Every condition the patterns need, on shared seeds, with extra overrides applied to all.

    Returns:
        Condition name to one row per replication.
    """
    seed_list = seeds(master_seed, replications)
    kwargs = {name: condition_kwargs(overrides + extra, scenario) for name, extra in CONDITIONS.items()}
    names = [name for name in CONDITIONS for _ in seed_list]
    runs = [Replication(seed, kwargs[name], i) for name in CONDITIONS for i, seed in enumerate(seed_list)]
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in CONDITIONS}
    for name, row in zip(names, evaluate(runs, pattern_row, workers=workers), strict=True):
        out[name].append(row)
    return {name: frame(values) for name, values in out.items()}


def _mean(values: pd.Series) -> float:
    return float(np.nanmean(values.to_numpy(dtype=float)))


def check_patterns(runs: dict[str, pd.DataFrame], z_min: float = Z_MIN) -> list[PatternCheck]:
    """Every pattern's verdict from the conditions of :func:`run_conditions`.

    Args:
        runs: Condition name to one row per replication.
        z_min: The bar for a paired effect, in standard errors (``Z_MIN`` at 100
            replications; scale it by ``sqrt(n / 100)`` to keep the same effect size at n).

    Returns:
        One verdict per check, in pattern order.
    """
    peach = runs["peach"]
    checks: list[PatternCheck] = []
    add = partial(_add, checks)

    teams = _mean(peach["teams_used_measurement"]) / N_TEAMS
    measured = _mean(peach["measured_share"])
    add("1", "measurement for change almost never used: under 10% of teams use it (PEACH: none of 4), and "
        "under 20% of cycles are measured", teams < 0.10 and measured < 0.20, f"{teams:.1%} of teams, "
        f"{measured:.1%} of cycles")

    any_implemented = float((peach["implemented"] > 0).mean())
    homes = peach["homes_with_implementation"]
    spread = _mean(peach["spread"])
    add("2", "some improvements, in some homes not all: an implementation in >= 95% of runs, 15-85% of homes "
        "on average, never all", any_implemented >= 0.95 and 0.15 <= homes.mean() / N_HOMES <= 0.85
        and homes.max() < N_HOMES,
        f"{any_implemented:.0%} of runs; {homes.mean() / N_HOMES:.0%} of homes (max {int(homes.max())})")
    add("2b", "a few spread: 0.5-5 spread improvements per run on average", 0.5 <= spread <= 5.0,
        f"{spread:.2f} per run")

    gp = _mean(peach["share_led_gp"])
    care = _mean(peach["share_led_care_home"])
    gp_time = float((peach["hours_gp"] > 0).mean())
    add("3", "GPs take part (hours in >= 95% of runs) but lead under 5% of projects; care home staff lead over half",
        gp_time >= 0.95 and gp < 0.05 and care > 0.5, f"GP hours in {gp_time:.0%} of runs; GPs lead {gp:.1%}, "
        f"care home staff {care:.0%}")
    eff = paired(peach, runs["without_hierarchy_reduction_and_protected_time"], "projects_led_care_home")
    add("3b", f"without C3 and C4, care-home-led projects fall by >= {z_min:g} SE and by more than half",
        -eff.z >= z_min and eff.changed < 0.5 * eff.baseline, _effect_text(eff))

    for context in C1_TO_C9:
        eff = paired(peach, runs[f"without_{context}"], "implemented")
        add("4", f"removing {context} lowers improvements implemented by >= {z_min:g} SE", -eff.z >= z_min,
            f"{context}: {_effect_text(eff)}")

    sustained = _mean(peach["sustained_share"])
    add("5", "only part sustained a year later: 20-80% of implemented improvements on average",
        0.2 <= sustained <= 0.8, f"{sustained:.0%}")
    z, p1, p2 = _stable_vs_rest(peach)
    add("5b", f"aligned improvements with stable champions are sustained more often (z >= {z_min:g})",
        z >= z_min, f"{p1:.0%} vs {p2:.0%} (z {z:.1f})")

    eff = paired(peach, runs["with_data_support"], "measured_share")
    add("6", f"data support raises the share of cycles measured by >= {z_min:g} SE and at least 5-fold",
        eff.z >= z_min and eff.changed >= 5 * eff.baseline, _effect_text(eff))
    eff = paired(peach, runs["with_data_support"], "teams_used_measurement")
    add("6b", f"data support raises the teams using measurement for change by >= {z_min:g} SE", eff.z >= z_min,
        _effect_text(eff))
    return checks


def _add(checks: list[PatternCheck], pattern: str, claim: str, passed: bool, figure: str) -> None:
    checks.append(PatternCheck(pattern, claim, bool(passed), figure))


def _effect_text(eff: Any) -> str:
    return f"{eff.baseline:.3g} -> {eff.changed:.3g} (z {eff.z:+.1f})"


def _stable_vs_rest(peach: pd.DataFrame) -> tuple[float, float, float]:
    """Two-proportion z of 'sustained' between aligned-and-stable improvements and the rest, pooled."""
    n1, n2 = peach["stable_implemented"].sum(), peach["other_implemented"].sum()
    k1, k2 = peach["stable_sustained"].sum(), peach["other_sustained"].sum()
    if not n1 or not n2:
        return float("nan"), float("nan"), float("nan")
    p1, p2, pooled = k1 / n1, k2 / n2, (k1 + k2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float((p1 - p2) / se) if se else 0.0, float(p1), float(p2)

"""Time by role (``structure.time_model = "by_role"``) moves what it should in PEACH, over seeds.

Common random numbers: replication i of each structure has the same seed, and "by_role"
draws nothing new, so differences are paired replication by replication (docs/ODD.md 5).
Tolerances are stated with each check; the standard error (SE) is sd(paired differences) / sqrt(n).
"""

from __future__ import annotations

import numpy as np
import pytest

import qicsim
from qicsim.model import QICModel
from qicsim.model.roles import Role
from qicsim.run.runner import model_kwargs, replication_seed

SEEDS = 10
SMALL_PEACH = ["structure.homes_per_site=[4,4]"]  # the golden runs' world: 8 homes, a second a run or less
MANAGER, SENIOR = Role.CARE_HOME_MANAGER, Role.SENIOR_CARER


def member_week_means(time_model: str) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: each role's mean QIC hours and engagement per working member-week during support.

    Returns:
        Two arrays of shape (SEEDS, roles): QIC hours and engagement per member-week.
    """
    kwargs = model_kwargs(qicsim.scenario_config("peach", [*SMALL_PEACH, f"structure.time_model={time_model}"]))
    hours, engagement = np.zeros((SEEDS, len(Role))), np.zeros((SEEDS, len(Role)))
    for i in range(SEEDS):
        model = QICModel(seed=replication_seed(7, i), **kwargs)
        weeks = np.zeros(len(Role))
        for _ in range(model.support_weeks):
            model.step()
            table = model.staff
            working = table.member & (table.induction_left == 0)
            role = table.role[working]
            weeks += np.bincount(role, minlength=len(Role))
            hours[i] += np.bincount(role, weights=table.qic_hours[working], minlength=len(Role))
            engagement[i] += np.bincount(role, weights=table.engagement[working], minlength=len(Role))
        hours[i] /= np.maximum(weeks, 1)
        engagement[i] /= np.maximum(weeks, 1)
    return hours, engagement


@pytest.fixture(scope="module")
def both() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {name: member_week_means(name) for name in ("one_share", "by_role")}


def mean_and_se(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))


def test_managers_give_more_qic_hours_than_senior_carers_under_by_role(both):
    one, _ = both["one_share"]
    by_role, _ = both["by_role"]
    gap, se = mean_and_se(by_role[:, MANAGER] - by_role[:, SENIOR])
    assert gap > 3 * se and gap > 1.0, f"manager - senior carer {gap:.2f} h a week (SE {se:.2f})"
    # ... and the gap is the time model's doing: it is larger than under one share by > 3 SE.
    widened, se = mean_and_se((by_role[:, MANAGER] - by_role[:, SENIOR]) - (one[:, MANAGER] - one[:, SENIOR]))
    assert widened > 3 * se, f"gap widened by {widened:.2f} (SE {se:.2f})"


def test_managers_gain_what_their_share_implies_and_senior_carers_about_nothing(both):
    """The manager's gain is slack_use x engagement x contracted x the change in share, to within 25%.

    First order at load 1: 0.6 x engagement x 37.5 h x (0.20 - 0.03). The 25% covers the load's
    spread around 1 (winter, problems), the floor at no slack under one share, and engagement
    that itself moves with the work done. Senior carers keep the share they had (0.03 = 1 - 0.97):
    their change must be under 15% of the managers'.
    """
    one, _ = both["one_share"]
    by_role, engagement = both["by_role"]
    params = QICModel(seed=0, homes_per_site=[1]).params
    change = params.manager_discretionary_share - (1.0 - params.care_workload_share)
    implied = params.slack_use * engagement[:, MANAGER].mean() * params.contracted_hours * change
    gain, se = mean_and_se(by_role[:, MANAGER] - one[:, MANAGER])
    assert gain > 3 * se
    assert gain == pytest.approx(implied, rel=0.25), f"gain {gain:.2f} h vs implied {implied:.2f} h"
    senior, _ = mean_and_se(by_role[:, SENIOR] - one[:, SENIOR])
    assert abs(senior) < 0.15 * gain, f"senior carers moved {senior:.2f} h"


@pytest.mark.slow
def test_peach_implemented_count_responds_smoothly_to_each_roles_share():
    """No knife edge: +-0.02 of one role's share moves PEACH's implemented count far less than one share did.

    Full PEACH, 60 paired replications per condition (about a minute and a half). Under one share,
    0.97 -> 0.95 moved the mean count by about +28% (measured: docs/ODD.md 7.1); under by_role a
    +-0.02 change in any one role's discretionary share must move it by less than half that, in
    relative terms (the base counts differ between the structures).
    """
    def implemented(overrides: list[str]) -> float:
        config = qicsim.scenario_config("peach", overrides, replications=60, seed=20160901)
        return float(qicsim.simulate(config).runs["implemented"].mean())

    old = implemented(["parameters.care_workload_share=0.95"]) / implemented([]) - 1.0
    assert old > 0.15, f"one share: 0.97 -> 0.95 moved implemented by {old:+.0%}"
    by_role = ["structure.time_model=by_role"]
    base = implemented(by_role)
    params = QICModel(seed=0, homes_per_site=[1]).params
    for name in ("manager", "nurse", "senior_carer", "care_assistant"):
        value = getattr(params, f"{name}_discretionary_share")
        for step in (-0.02, 0.02):
            moved = implemented([*by_role, f"parameters.{name}_discretionary_share={value + step:.2f}"]) / base - 1.0
            assert abs(moved) < old / 2, f"{name} {step:+.2f}: {moved:+.0%} against one share's {old:+.0%}"

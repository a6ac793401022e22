"""The tools of the mechanism analyses, on known answers (fast; the science is in test_mechanisms.py)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.errors import ConfigError
from qicsim.model import QICModel
from qicsim.model.mediators import MEDIATORS
from qicsim.model.outcomes import outcome_rows
from qicsim.studies.mechanism_checks.dose import LEVELS, DoseResponse
from qicsim.studies.mechanism_checks.mediation import first_week_apart
from qicsim.studies.paired import paired_effect

SMALL = {"homes_per_site": [3, 3], "collaborative_weeks": 20, "follow_up_weeks": 6,
         "learning_event_weeks": [0, 10], "contexts": {"protected_time": 0.8, "qi_coaching": 0.8,
                                                       "hierarchy_reduction": 0.5, "learning_events": 1.0,
                                                       "alignment": 0.7, "network_recruitment": 0.7}}


@pytest.mark.parametrize("name", list(MEDIATORS))
def test_holding_a_run_at_its_own_trajectory_changes_nothing(name: str) -> None:
    recorded = QICModel(seed=5, record=(name,), **SMALL).run()
    again = QICModel(seed=5, hold={name: recorded.mediation.recorded[name]}, **SMALL).run()
    assert outcome_rows(again)[0] == pytest.approx(outcome_rows(recorded)[0], nan_ok=True)
    assert recorded.mediation.recorded[name].any(), f"guard: {name} was recorded"


def test_holding_a_mediator_overrides_the_state() -> None:
    base = QICModel(seed=5, record=("qic_hours",), **SMALL).run()
    zeros = np.zeros_like(base.mediation.recorded["qic_hours"])
    held = QICModel(seed=5, hold={"qic_hours": zeros}, **SMALL).run()
    assert outcome_rows(held)[0]["attendances"] < outcome_rows(base)[0]["attendances"]
    assert outcome_rows(held)[0]["attendances"] == 0  # nobody has time for a meeting


def test_bad_mediators_are_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="unknown mediator"):
        QICModel(seed=1, record=("free_time",), **SMALL)
    with pytest.raises(ConfigError, match="shape"):
        QICModel(seed=1, hold={"qic_hours": np.zeros((3, 3))}, **SMALL)


def test_first_week_apart() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, (40, 10))
    changed = base + rng.normal(0, 0.1, (40, 10))
    changed[:, 6:] += 2.0
    assert first_week_apart(base, changed) == 6
    assert first_week_apart(base, base) is None


def curve(means: list[float], noise: float = 0.01) -> DoseResponse:
    rng = np.random.default_rng(1)
    values = np.array(means)[None, :] + rng.normal(0, noise, (50, len(LEVELS)))
    return DoseResponse("c", "o", +1, tuple(values.mean(axis=0)), paired_effect(values[:, 0], values[:, -1]),
                        tuple(paired_effect(values[:, i], values[:, i + 1]) for i in range(len(LEVELS) - 1)))


@pytest.mark.parametrize(("means", "shape"), [
    ([0, 1, 2, 3, 4], "linear"),
    ([0, 3, 3.6, 3.9, 4], "saturating"),
    ([0, 0.1, 0.3, 1.5, 4], "threshold"),
    ([0, 0, 0, 0, 0], "flat"),
])
def test_dose_shapes(means: list[float], shape: str) -> None:
    result = curve(means)
    assert result.shape == shape
    assert result.worst_reversal_z > -3


def test_a_reversal_is_seen() -> None:
    assert curve([0, 2, 1, 3, 4]).worst_reversal_z < -3

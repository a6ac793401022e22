"""Every outcome of a run has a meaning: ``COUNT_OUTCOMES`` and ``DERIVED_OUTCOMES`` describe the run row exactly."""

from __future__ import annotations

from qicsim.model import QICModel
from qicsim.model.outcomes import COUNT_OUTCOMES, DERIVED_OUTCOMES, outcome_rows


def test_the_run_row_is_exactly_the_described_outcomes() -> None:
    model = QICModel(seed=1, homes_per_site=[2, 2], collaborative_weeks=20, follow_up_weeks=0,
                     learning_event_weeks=[0]).run()
    run, _, _ = outcome_rows(model)
    assert not set(COUNT_OUTCOMES) & set(DERIVED_OUTCOMES)
    assert set(run) == set(COUNT_OUTCOMES) | set(DERIVED_OUTCOMES)
    assert all(DERIVED_OUTCOMES.values()) and all(COUNT_OUTCOMES.values())

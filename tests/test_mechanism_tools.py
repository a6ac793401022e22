"""The tools of the mechanism analyses, on known answers (fast; the science is in test_mechanisms.py)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.errors import ConfigError
from qicsim.model import QICModel
from qicsim.model.contexts import BY_NAME
from qicsim.model.mediators import MEDIATORS
from qicsim.model.outcomes import outcome_rows
from qicsim.studies.mechanism_checks.battery import PATHS, check_runs
from qicsim.studies.mechanism_checks.dose import LEVELS, DoseResponse
from qicsim.studies.mechanism_checks.mediation import LinkedRuns, MediationResult, first_week_apart
from qicsim.studies.mechanism_checks.mutations import BEGIN, END, current_section, write_section
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


def test_a_context_that_acts_at_set_up_does_not_escape_the_hold() -> None:
    """C2 builds ties at set-up only: with the ties held, switching it off changes nothing, week 0 included.

    Under the default structure a learning event in week 0 plans projects, reading the partnership
    ties before the week's social point: the hold covers the state set-up leaves (row 0), or the
    switched run's own ties leaked into those plans (every PEACH seed differed within 7 weeks).
    """
    events_at_start = {**SMALL, "contexts": {**SMALL["contexts"], "prior_partnership": 1.0},
                       "partnership_tie_prob": 0.9, "event_plan_prob": 1.0}
    differing = 0
    for seed in range(6):
        base = QICModel(seed=seed, record=("ties",), **events_at_start).run()
        ties = base.mediation.recorded["ties"]
        own = QICModel(seed=seed, hold={"ties": ties}, **events_at_start).run()
        switched = QICModel(seed=seed, contexts={**events_at_start["contexts"], "prior_partnership": 0.0},
                            **{k: v for k, v in events_at_start.items() if k != "contexts"}).run()
        held = QICModel(seed=seed, contexts={**events_at_start["contexts"], "prior_partnership": 0.0},
                        hold={"ties": ties}, **{k: v for k, v in events_at_start.items() if k != "contexts"}).run()
        assert np.array_equal(held.series.values, own.series.values), f"seed {seed}: C2 escaped the hold of ties"
        differing += not np.array_equal(switched.series.values, own.series.values)
    assert differing >= 3, f"guard: switching C2 off changed only {differing} of 6 runs"


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


def linked(context: str, effect: float, held: dict[str, float], noise: float = 0.05, n: int = 40,
           indicator: float = -5.0) -> LinkedRuns:
    """Synthetic linked runs: the switch moves the outcome by ``effect``; each held condition leaves ``held[c]``."""
    rng = np.random.default_rng(3)
    base = rng.normal(10, 1, n)
    outcome = {"base": base, "switched": base + effect + rng.normal(0, noise, n),
               "level:0": base + effect + rng.normal(0, noise, n), "level:1": base + rng.normal(0, noise, n)}
    outcome.update({name: base + left + rng.normal(0, noise, n) for name, left in held.items()})
    weeks = 20
    mediator = np.zeros((n, 2, weeks))
    mediator[:, 1, 2:] = -1 + rng.normal(0, 0.01, (n, weeks - 2))  # moves at week 2
    series = np.zeros((n, 2, weeks))
    series[:, 1, 8:] = effect + rng.normal(0, 0.01, (n, weeks - 8))  # the outcome at week 8
    # The mechanism count moves with the outcome, ``indicator`` for the whole switch (shares read on it alike).
    scale = indicator / effect if effect else 0.0
    counts = {name: 100.0 + scale * (values - base) for name, values in outcome.items()}
    counts["switched"] = counts["switched"] + (0.0 if effect else indicator) + rng.normal(0, 0.05, n)
    return LinkedRuns(context, outcome, counts, {m: mediator for m in BY_NAME[context].mediators}, series)


def verdicts(runs: LinkedRuns) -> dict[str, bool]:
    return {c.name: c.passed for c in check_runs(runs)}


def test_a_mechanism_acting_through_its_mediator_passes_the_battery() -> None:
    runs = linked("alignment", -1.0, {"held:alignment_practice": 0.0})
    assert verdicts(runs) == dict.fromkeys(("indicator", "outcome", "dose", "direct path", "timing"), True)
    result = MediationResult.from_runs(runs)
    assert result.share_removed == pytest.approx(1.0, abs=0.03) and result.direct_share == pytest.approx(0, abs=0.03)


def test_a_path_around_the_mediator_fails_the_direct_path_check() -> None:
    runs = linked("alignment", -1.0, {"held:alignment_practice": -0.3})  # 30% left with the mediator held
    assert MediationResult.from_runs(runs).direct_share == pytest.approx(0.3, abs=0.03)
    assert not verdicts(runs)["direct path"]


def test_a_cut_path_fails_the_shares_check() -> None:
    _, hi = dict(PATHS["learning_events"].shares)["engagement"]
    # Ties alone remove 27%, engagement 33%, skill nothing; all held, 67% (direct 33%): within PATHS.
    within = {"held:ties": -0.73, "held:engagement": -0.67, "held:skill": -1.0, "held:all": -0.33}
    assert verdicts(linked("learning_events", -1.0, within))["shares"]
    cut = {**within, "held:engagement": 0.0}  # engagement carries everything: the ties path was cut
    result = MediationResult.from_runs(linked("learning_events", -1.0, cut))
    assert result.share_alone("engagement") == pytest.approx(1.0, abs=0.03)
    assert result.share_alone("engagement") > hi
    assert not verdicts(linked("learning_events", -1.0, cut))["shares"]


def test_a_reversed_or_absent_effect_fails_the_effect_checks() -> None:
    reversed_ = verdicts(linked("alignment", +1.0, {"held:alignment_practice": 0.0}, indicator=+5.0))
    assert not (reversed_["indicator"] or reversed_["outcome"] or reversed_["dose"])
    absent = verdicts(linked("alignment", 0.0, {"held:alignment_practice": 0.0}, indicator=0.0))
    assert not (absent["outcome"] or absent["direct path"])


def test_timing_compares_onsets() -> None:
    runs = linked("alignment", -1.0, {"held:alignment_practice": 0.0})
    moved_late = {m: v.copy() for m, v in runs.mediators.items()}
    for v in moved_late.values():
        v[:, 1, :12] = 0.0  # the mediator now moves at week 12, after the outcome (week 8)
    late = LinkedRuns(runs.context, runs.outcome, runs.indicator, moved_late, runs.series)
    assert verdicts(runs)["timing"] and not verdicts(late)["timing"]


def test_the_mutation_table_replaces_its_block_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "mechanisms.md"
    doc.write_text("# Title\n\nkept\n", encoding="utf-8")
    write_section([BEGIN, "first", END], doc)
    assert current_section(doc) == f"{BEGIN}\nfirst\n{END}" and "kept" in doc.read_text(encoding="utf-8")
    doc.write_text(doc.read_text(encoding="utf-8") + "\nafter\n", encoding="utf-8")
    write_section([BEGIN, "second", END], doc)
    text = doc.read_text(encoding="utf-8")
    assert "first" not in text and "second" in text and text.endswith("\nafter\n") and text.count(BEGIN) == 1

"""One CMO test per context: switching the context moves its own mechanism indicator and the
outcome the programme theory names (docs/evidence.md, section 2).

Switch: C1-C9 from their PEACH value to 0 (schedule cleared); C10 from 0 to 1.
Tolerance: each difference in the expected direction by at least 3 standard errors of the
mean paired difference over 100 replications per condition (see tests/cmo_support.py).
The last test cuts each context off from its mechanisms (the model then sees the PEACH
intensity whatever the config says) and checks the CMO check then fails.
"""

from __future__ import annotations

import numpy as np
import pytest
from cmo_support import CMO_EXPECTATIONS, Condition, condition, effect, moved, switched

import qicsim
from qicsim.config.schema import contexts_as_plain
from qicsim.contexts import BY_CODE, CONTEXT_INDEX
from qicsim.model import model as model_module

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("context", list(CMO_EXPECTATIONS))
def test_context_moves_its_mechanism_and_outcome(context: str) -> None:
    (indicator, ind_dir), outcomes = CMO_EXPECTATIONS[context]
    base, changed = condition(), condition(switched(context))
    ind = effect(base.values(indicator), changed.values(indicator))
    assert moved(ind, ind_dir), f"{context}: indicator {indicator} {ind}"
    for outcome, direction in outcomes:
        out = effect(base.values(outcome), changed.values(outcome))
        assert moved(out, direction), f"{context}: outcome {outcome} {out}"


def test_context_table_names_the_tested_indicators() -> None:
    """The contexts table (README, ODD) and these tests name the same indicator and outcome."""
    for info in BY_CODE.values():
        (indicator, _), outcomes = CMO_EXPECTATIONS[info.name]
        assert indicator == info.indicator, info
        assert info.outcome in {name for name, _ in outcomes}, info


def test_coaching_makes_small_steps_succeed() -> None:
    """C6's mechanism proper: without coaching, a larger share of PDSA cycles fails."""
    eff = effect(condition().values("chunk_success_rate"),
                 condition(switched("qi_coaching")).values("chunk_success_rate"))
    assert moved(eff, -1), str(eff)


def check_passes(base: Condition, changed: Condition, context: str) -> bool:
    (indicator, ind_dir), outcomes = CMO_EXPECTATIONS[context]
    if not moved(effect(base.values(indicator), changed.values(indicator)), ind_dir):
        return False
    return all(moved(effect(base.values(o), changed.values(o)), d) for o, d in outcomes)


@pytest.mark.parametrize("context", list(CMO_EXPECTATIONS))
def test_check_fails_when_mechanism_is_cut(context: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut the context from every mechanism that reads it: the CMO check must fail."""
    peach = contexts_as_plain(qicsim.config("peach").contexts)
    original = model_module.resolve_intensities
    row = CONTEXT_INDEX[context]

    def frozen(contexts, n_sites, total_weeks):  # type: ignore[no-untyped-def]
        out = original(contexts, n_sites, total_weeks)
        out[row] = original(peach, n_sites, total_weeks)[row]
        return out

    monkeypatch.setattr(model_module, "resolve_intensities", frozen)

    def run(overrides: tuple[str, ...]) -> Condition:
        results = qicsim.run("peach", overrides=list(overrides), replications=20, seed=11)
        return Condition(results.runs, results.mechanism_totals(), results.projects)

    base, changed = run(()), run(switched(context))
    assert not check_passes(base, changed, context)
    # With the mechanism cut, the switch changes nothing at all.
    assert np.array_equal(base.values("implemented"), changed.values("implemented"))

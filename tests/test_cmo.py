"""One CMO test per context: switching the context moves its own mechanism indicator and the
outcome the programme theory names (docs/evidence.md, section 2).

Switch: C1-C9 from their PEACH value to 0 (schedule cleared); C10 from 0 to 1.
Tolerance: each difference in the expected direction by at least 3 standard errors of the
mean paired difference over 150 replications per condition (see tests/helpers/cmo.py).
The cut test freezes each context at its PEACH value inside the model and checks that the
CMO check then fails: it checks the wiring. The tests that could disagree with the theory
are the battery of mechanism checks (unbundled mediation, direct path, timing), dose-response
and zero-by-construction tests (tests/test_mechanisms.py); the mutation suite
(tests/test_mutations.py, docs/mechanisms.md) shows the battery failing on every mutant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.cmo import CMO_EXPECTATIONS, Condition, condition, effect, moved, switched, with_context, without

import qicsim
from qicsim.config.schema import contexts_as_plain
from qicsim.model import model as model_module
from qicsim.model.contexts import BY_CODE, CONTEXT_INDEX
from qicsim.run.runner import outcome_row
from qicsim.studies.mechanism_checks.runs import condition_kwargs, map_replications, seeds

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


def outcome_row_task(item: tuple[int, dict]) -> dict:
    seed, kwargs = item
    return outcome_row(seed, kwargs)


def check_passes(base: Condition, changed: Condition, context: str) -> bool:
    (indicator, ind_dir), outcomes = CMO_EXPECTATIONS[context]
    if not moved(effect(base.values(indicator), changed.values(indicator)), ind_dir):
        return False
    return all(moved(effect(base.values(o), changed.values(o)), d) for o, d in outcomes)


@pytest.mark.parametrize("context", list(CMO_EXPECTATIONS))
def test_check_fails_when_mechanism_is_cut(context: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut the context from every mechanism that reads it: the CMO check must fail."""
    peach = contexts_as_plain(qicsim.scenario_config("peach").contexts)
    original = model_module.resolve_intensities
    row = CONTEXT_INDEX[context]

    def frozen(contexts, n_sites, total_weeks):  # type: ignore[no-untyped-def]
        out = original(contexts, n_sites, total_weeks)
        out[row] = original(peach, n_sites, total_weeks)[row]
        return out

    monkeypatch.setattr(model_module, "resolve_intensities", frozen)

    def run(overrides: tuple[str, ...]) -> Condition:
        kwargs = condition_kwargs(overrides)
        return Condition(pd.DataFrame(map_replications(outcome_row_task, [(s, kwargs) for s in seeds(11, 20)])))

    switch = with_context(context) if context == "data_support" else without(context)
    base, changed = run(()), run(switch)
    assert not check_passes(base, changed, context)
    # With the mechanism cut, the switch changes nothing at all.
    assert np.array_equal(base.values("implemented"), changed.values("implemented"))

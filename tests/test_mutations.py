"""Mutants of the mechanisms, and checks that catch them.

Fast tests: each mutant changes the model it is applied to, only through the reads it names,
and is removed afterwards; the indicator check passes on the model and fails on the deletion
mutant of three contexts; docs/mechanisms.md's mutation table lists every mutant, caught.
Slow tests: the indicator check fails on every context's deletion mutant; the review's two
path mutants are caught by the checks meant for them (their own battery, at the suite's size, on the seeds
on which tests/test_mechanisms.py shows the model passing those checks).

Tolerances: the indicator check wants the switch to move the indicator the theory's way by
3 paired SE (``battery.Z_MIN``). On the model the three fast contexts clear it by far
(z above 10 at 12 seeds); on a deletion mutant the baseline and the switched run are the same
run, so the effect is exactly 0.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers.battery import SEED as BATTERY_SEED

from qicsim.model import QICModel, workload
from qicsim.model.contexts import CONTEXTS
from qicsim.run.runner import outcome_and_mechanism_row
from qicsim.studies.mechanism_checks import mutations
from qicsim.studies.mechanism_checks.battery import indicator_check, replications_for, run_battery
from qicsim.studies.mechanism_checks.mutants import MODES, MUTANTS, ContextSeen, applied

SMALL = {"homes_per_site": [3, 3], "collaborative_weeks": 20, "follow_up_weeks": 6,
         "learning_event_weeks": [0, 10], "meeting_interval_weeks": 2,
         "contexts": {c.name: 0.6 for c in CONTEXTS}}  # 0.6: not PEACH's value, nor its own reversal
FAST_INDICATOR_CONTEXTS = ("protected_time", "meetings_in_care_homes", "data_support")
INDICATOR_SEEDS = 12
SEED = 4242


def small_run(seed: int, mutant: str | None) -> dict:
    with applied(mutant):
        return outcome_and_mechanism_row(QICModel(seed=seed, **SMALL).run())


def test_three_mutants_per_context_and_the_review_two() -> None:
    for info in CONTEXTS:
        assert {m.kind for m in MUTANTS.values() if m.context == info.name} >= set(MODES), info.code
    assert {"C9 no event ties", "C5 direct path"} <= set(MUTANTS)


@pytest.mark.parametrize("mutant", list(MUTANTS))
def test_each_mutant_changes_the_model(mutant: str) -> None:
    """A mutant whose patches did not take (a reader imported by name elsewhere) would change nothing."""
    changed = [small_run(seed, mutant) != small_run(seed, None) for seed in (1, 2)]
    assert any(changed), f"{mutant} leaves the run as it was"


def test_a_mutant_changes_reads_inside_the_readers_only_and_is_removed() -> None:
    model = QICModel(seed=1, **SMALL)
    original = QICModel.context
    with applied("C4 reversal"):
        assert QICModel.context is not original
        assert model.context("protected_time", 0) == pytest.approx(0.6)  # read outside a reader: as set
        seen: list[float] = []
        inner = model.context

        def spy(name, site=None, *, week=None):  # type: ignore[no-untyped-def]
            value = inner(name, site, week=week)
            if name == "protected_time":
                seen.append(np.asarray(value).copy())
            return value

        model.context = spy  # type: ignore[method-assign]
        workload.update_time(model)  # the reader (patched in the module)
        del model.context
    assert QICModel.context is original and seen and np.allclose(seen[0], 0.4)  # 1 - 0.6 inside the reader


def test_what_the_readers_see() -> None:
    model = QICModel(seed=1, **SMALL)
    assert ContextSeen("alignment", "reversal", "peach").value(model, 0.6, 0, 3) == pytest.approx(0.4)
    assert ContextSeen("alignment", "deletion", "peach").value(model, np.array([0.6, 0.2]), None, 3).tolist() == [0, 0]
    assert ContextSeen("alignment", "bypass", "peach").value(model, 0.2, 1, 3) == pytest.approx(0.7)  # PEACH's C5
    remit = ContextSeen("remit_clarity", "bypass", "peach")
    assert [remit.value(model, 0.0, 0, w) for w in (12, 13)] == pytest.approx([0.3, 0.9])  # PEACH's schedule
    assert ContextSeen("data_support", "bypass", "peach").value(model, 0.0, 0, 3) == 1.0  # PEACH has none: full


@pytest.mark.parametrize("context", FAST_INDICATOR_CONTEXTS)
def test_indicator_check_fails_when_the_mechanism_is_deleted(context: str) -> None:
    code = next(c.code for c in CONTEXTS if c.name == context)
    model = indicator_check(context, replications=INDICATOR_SEEDS, master_seed=SEED)
    deleted = indicator_check(context, f"{code} deletion", replications=INDICATOR_SEEDS, master_seed=SEED)
    assert model.passed, f"{code} as built: {model.figure}"
    assert not deleted.passed, f"{code} deletion: {deleted.figure}"


def test_the_indicator_check_alone_is_the_batterys_indicator_check() -> None:
    """The same seeds give the same figure, so the battery's pass stands for the check's on the model."""
    alone = indicator_check("data_support", replications=4, master_seed=BATTERY_SEED)
    battery = {c.name: c for c in run_battery("data_support", replications=4, master_seed=BATTERY_SEED)}
    assert alone == battery["indicator"]


@pytest.mark.slow
@pytest.mark.parametrize("info", CONTEXTS, ids=[c.code for c in CONTEXTS])
def test_indicator_check_fails_for_every_deleted_mechanism(info) -> None:  # type: ignore[no-untyped-def]
    """Every deletion mutant fails the indicator check; the model passes it on the battery's seeds and size.

    That pass is tests/test_mechanisms.py's test_indicator_moves_with_its_context (the same check, shown equal
    by the test above), not run again here.
    """
    deleted = indicator_check(info.name, f"{info.code} deletion", replications=INDICATOR_SEEDS,
                              master_seed=BATTERY_SEED, workers=2)
    assert not deleted.passed, f"{info.code} deletion: {deleted.figure}"


@pytest.mark.slow
@pytest.mark.parametrize(("mutant", "check"), [("C9 no event ties", "shares"), ("C5 direct path", "direct path")])
def test_the_review_mutants_are_caught_by_the_checks_meant_for_them(mutant: str, check: str) -> None:
    """The mutant's battery fails the check meant for it on the seeds and at the size on which the model passes it.

    The model's pass on those seeds is tests/test_mechanisms.py's (test_each_mediator_alone_carries_its_share,
    test_holding_the_mediators_leaves_no_path_around_them: the same battery, master seed and size), so the
    as-built battery, the dearer half of this comparison, is not run twice.
    """
    context = MUTANTS[mutant].context
    mutated = {c.name: c for c in run_battery(context, mutant, replications=replications_for(context),
                                               master_seed=BATTERY_SEED, workers=2)}
    assert not mutated[check].passed, f"{mutant}: {mutated[check].figure}"


def test_the_mutation_table_lists_every_mutant_caught() -> None:
    """docs/mechanisms.md's generated table (slow to regenerate: the lead re-runs the one command)."""
    block = mutations.current_section()
    assert block, "no mutation table in docs/mechanisms.md: python -m qicsim.studies.mechanism_checks.mutations --write"
    rows = [line for line in block.splitlines() if line.startswith("| C")]
    listed = {row.split("|")[2].strip(): row.split("|")[-2].strip() for row in rows}
    assert set(MUTANTS) <= set(listed), f"not in the table: {sorted(set(MUTANTS) - set(listed))}"
    assert all(listed[m] == "yes" for m in MUTANTS), {m: listed[m] for m in MUTANTS if listed[m] != "yes"}
    model_rows = [row for row in rows if row.split("|")[2].strip() == "none: the model"]
    assert len(model_rows) == len(CONTEXTS) and all(row.split("|")[-2].strip() == "passes" for row in model_rows)

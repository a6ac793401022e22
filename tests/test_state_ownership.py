"""Explicit state: every staff column is declared, and each process writes only the columns it owns.

Real runs (a small world, the PEACH defaults for three seeds, a mediation run holding every
mediator) go under :func:`qicsim.model.state_guard.guarded`: every column locked, each
process of the week unlocking only its own. A write to another's column stops the run with an
error naming the process and the column; the tests below also check that the guard catches
deliberate wrong writes, that it leaves the run's results as they were, that every declared
owner does write its column (no owner declared in vain), and that docs/ODD.md's table is the
declaration's.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qicsim
from qicsim.model import events, meetings, turnover, workload
from qicsim.model.batch import Batch
from qicsim.model.mediators import MEDIATORS
from qicsim.model.model import QICModel
from qicsim.model.outcomes import outcome_rows
from qicsim.model.ownership import Column, Process, markdown_table
from qicsim.model.staff import COLUMNS, StaffTable
from qicsim.model.state_guard import OwnershipError, StateGuard, guarded
from qicsim.model.ties import Ties
from qicsim.run.runner import model_kwargs

ODD_MD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
# Two sites of three homes, 60 weeks: support ends (and its last-week processes run) inside.
SMALL = {"homes_per_site": [3, 3], "collaborative_weeks": 40, "follow_up_weeks": 20,
         "learning_event_weeks": [0, 20, 39]}
PEACH_SEEDS = (1, 2, 3)
# The rival structure with the most processes at work (managers' topics, facilitator sessions in homes).
FACILITATION = {"project_start": "facilitation", "facilitation_hours_per_week": 6.0}
RUNS = ("small", *(f"peach-{seed}" for seed in PEACH_SEEDS), "held", "facilitation", "full-loop")


@functools.cache
def peach() -> dict[str, Any]:
    """The PEACH scenario's model arguments (composed once)."""
    return model_kwargs(qicsim.scenario_config("peach"))


def settings(run: str) -> dict[str, Any]:
    """The model's arguments for one of RUNS."""
    if run == "small":
        return {"seed": 3, **SMALL}
    if run == "full-loop":  # the capability trap's full loop: its process writes (erodes) skill
        return {"seed": 1, **peach(), "trap": "full_loop"}
    if run.startswith("peach-"):
        return {"seed": int(run.removeprefix("peach-")), **peach()}
    if run == "facilitation":
        return {"seed": 4, **peach(), **SMALL, **FACILITATION}
    # Every mediator held at a trajectory 10% below the run's own from week 0 (its start, imposed at set-up
    # outside the guard, as it was), so that holding changes the state while the guard watches.
    recorded = QICModel(seed=5, record=tuple(MEDIATORS), **SMALL).run().mediation.recorded
    return {"seed": 5, "hold": {name: np.concatenate([values[:1], 0.9 * values[1:]]) for name, values in
                                recorded.items()}, **SMALL}


@functools.cache
def guarded_run(run: str) -> tuple[StateGuard, QICModel]:
    """One of RUNS under the guard (run once, shared by the tests)."""
    model = QICModel(**settings(run))
    with guarded(model) as guard:
        model.run()
    return guard, model


def small_model() -> QICModel:
    return QICModel(seed=3, **SMALL)


# --- the declaration ----------------------------------------------------------------------

def test_every_attribute_of_the_table_is_a_declared_column_of_its_dtype_and_size() -> None:
    model = small_model()
    table = model.staff
    assert list(vars(table)) != [] and set(vars(table)) == set(COLUMNS)
    sizes = {"post": table.n, "home": len(model.homes), "site": model.n_sites,
             "care home post": int(table.is_care.sum())}
    for name, column in COLUMNS.items():
        value = getattr(table, name)
        if column.dtype is not None and value is not None:
            assert value.dtype == column.dtype, name
            assert value.shape == (sizes[column.per],), name
    assert table.leaving_hazard is None and COLUMNS["leaving_hazard"].kind == "float64 or None"


def test_declarations_name_real_processes_and_say_why_when_shared() -> None:
    shared = [column for column in COLUMNS.values() if len(column.owners) > 1]
    assert shared and all(column.why for column in shared)
    assert all(isinstance(owner, Process) for column in COLUMNS.values() for owner in column.owners)
    assert {"role", "site", "home", "contracted_hours"} <= {n for n, c in COLUMNS.items() if not c.owners}
    with pytest.raises(ValueError, match="no reason why"):
        Column("a shared column", owners=(Process.TIME, Process.TURNOVER))


def test_removed_dead_column_stays_gone() -> None:
    assert "home_or_zero" not in COLUMNS and not hasattr(small_model().staff, "home_or_zero")


def test_production_tables_pay_nothing_for_the_guard() -> None:
    """Columns are plain attributes: no __setattr__ or descriptor on the production class."""
    assert StaffTable.__setattr__ is object.__setattr__ and Ties.__setattr__ is object.__setattr__
    assert not any(name in vars(StaffTable) for name in COLUMNS)


def test_odd_md_tabulates_the_declaration() -> None:
    text = ODD_MD.read_text(encoding="utf-8")
    found = re.search(r"<!-- staff-columns:start -->\n(.*?)<!-- staff-columns:end -->", text, flags=re.S)
    assert found, "docs/ODD.md has no staff-columns block"
    expected = markdown_table(COLUMNS)
    assert found.group(1) == expected, (
        "docs/ODD.md's staff column table is out of date; put this between its markers:\n" + expected)


# --- real runs under the guard -------------------------------------------------------------

@pytest.mark.parametrize("run", RUNS)
def test_each_process_writes_only_its_own_columns(run: str) -> None:
    guard, model = guarded_run(run)  # an OwnershipError would have stopped it
    assert model.week == model.total_weeks
    plain = QICModel(**settings(run)).run()
    # repr round-trips floats exactly (and shows NaN as nan): the same text is the same numbers.
    assert repr(outcome_rows(model)) == repr(outcome_rows(plain)), "the guard changed the run"
    assert model.series.values.tobytes() == plain.series.values.tobytes()
    assert model.staff.engagement.tobytes() == plain.staff.engagement.tobytes()
    assert set(guard.entered) == set(Process), f"never called: {set(Process) - set(guard.entered)}"


def test_every_declared_owner_writes_its_column() -> None:
    """No owner is declared in vain: each (process, column) pair is seen changing the column."""
    seen = {(process, name) for run in RUNS for process, names in guarded_run(run)[0].written.items()
            for name in names}
    declared = {(owner, name) for name, column in COLUMNS.items() for owner in column.owners}
    assert declared - seen == set(), "declared owners that never wrote their column"
    assert seen <= declared


def test_processes_are_listed_in_the_order_the_week_calls_them() -> None:
    """Each week's processes, by first call, follow Process's order; the last week of support has them all."""
    guard, model = guarded_run("small")
    order = list(Process)
    weeks = np.cumsum([p is Process.TIME for p in guard.entered]) - 1  # every week starts with process 1
    assert weeks[-1] == model.total_weeks - 1
    for week in (0, model.support_weeks - 1, model.total_weeks - 1):
        called = list(dict.fromkeys(p for p, w in zip(guard.entered, weeks, strict=True) if w == week))
        assert called == [p for p in order if p in called], week
        last_of_support = week == model.support_weeks - 1
        assert (called == order) == last_of_support, (week, set(order) - set(called))


def test_the_guard_leaves_the_model_as_it_was() -> None:
    model = small_model()
    update_time = workload.update_time
    with guarded(model):
        model.step()
        assert not model.staff.engagement.flags.writeable and type(model.staff) is not StaffTable
    table = model.staff
    assert type(table) is StaffTable and type(table.ties) is Ties and isinstance(table.holders, dict)
    assert table.ties.blocks[0].flags.writeable and table.engagement.flags.writeable
    assert isinstance(table.agents, list) and workload.update_time is update_time
    model.step()  # runs unguarded again


# --- wrong writes are caught ---------------------------------------------------------------

def run_with(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, extra: Any) -> None:
    """Run a small guarded model whose ``module.name`` also does ``extra(model)`` after its work."""
    original = getattr(module, name)

    def process(target: QICModel | Batch, *args: Any) -> None:
        original(target, *args)
        extra(target.models[0] if isinstance(target, Batch) else target)  # a batched process is given its batch

    monkeypatch.setattr(module, name, process)
    model = small_model()
    with guarded(model):
        model.run()


def test_a_write_into_another_process_column_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(model: QICModel) -> None:
        model.staff.demand[0] = 1.0  # demand is process 1's (workload.update_time)

    with pytest.raises(OwnershipError, match=r"^events\.hold_learning_event wrote staff\.demand, which only "
                                             r"workload\.update_time may write \(.*test_state_ownership"):
        run_with(monkeypatch, events, "hold_learning_event", wrong)


def test_an_in_place_operation_on_a_fixed_column_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(model: QICModel) -> None:
        table = model.staff
        table.contracted_hours *= 1.0  # the same values, still a write

    with pytest.raises(OwnershipError, match=r"^turnover\.apply_turnover wrote staff\.contracted_hours, "
                                             r"which is fixed after set-up"):
        run_with(monkeypatch, turnover, "apply_turnover", wrong)


def test_a_write_through_a_view_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def through_view(model: QICModel) -> None:
        members = model.staff.member[:3]
        members[:] = True

    with pytest.raises(OwnershipError, match=r"^workload\.update_time wrote staff\.member"):
        run_with(monkeypatch, workload, "update_time", through_view)


def test_a_write_through_a_helper_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def through_ties(model: QICModel) -> None:
        model.staff.ties.fade(0.5)  # ties are not process 1's to change

    with pytest.raises(OwnershipError, match=r"^workload\.update_time wrote staff\.ties, .*ties\.py"):
        run_with(monkeypatch, workload, "update_time", through_ties)


def test_rebinding_a_column_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def rebind(model: QICModel) -> None:
        model.staff.holders_seen = 0

    with pytest.raises(OwnershipError, match=r"^meetings\.hold_local_meetings rebinds staff\.holders_seen, "
                                             r"which only turnover\.apply_turnover may write"):
        run_with(monkeypatch, meetings, "hold_meeting", rebind)  # hold_meeting runs within process 3


def test_a_write_outside_every_process_is_caught() -> None:
    model = small_model()
    outside = r"^code outside any process of the week wrote staff\.engagement"
    with pytest.raises(OwnershipError, match=outside), guarded(model):
        model.step()
        model.staff.engagement[0] = 0.5
    assert model.staff.engagement.flags.writeable, "unlocked after the error"

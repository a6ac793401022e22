"""The capability-trap experiment (qicsim.studies.mechanism_checks.trap, .trap_table): the verdict can go either way.

- The detector: a synthetic cell whose high start stays high is flagged, one whose two
  starts meet is not (the rule, with its two bars).
- The model: where each open problem takes 8 staff hours a week (4 times the default), a
  home that starts with four times the reference stock of open problems implements fewer
  improvements (the pressure loop bites: fewer by at least 3 paired SE over 30 seeds), yet
  both starts end in the same state (no hysteresis, docs/mechanisms.md) and the end states
  do not differ by 3 SE. At the defaults a high start is worked off within weeks
  (``problem_weeks`` 3) and costs little improvement (docs/mechanisms.md, the implemented
  columns), so the pressure loop is tested where the pressure lasts.
- The table of the full loop (``trap_table``): each row is run with improvement and in the
  control (``prevention_per_improvement`` 0), a batch of cells gives what each gives alone, the
  section replaces only the trap section of docs/mechanisms.md, and the finding reads two
  states that the control shares as a firefighting trap.
"""

from __future__ import annotations

import pytest

from qicsim.studies.mechanism_checks import trap_table
from qicsim.studies.mechanism_checks.trap import MIN_GAP, TrapCell, trap_cell, trap_cells
from qicsim.studies.mechanism_checks.trap_table import RowSpec
from qicsim.studies.paired import Effect


def cell(gap: float, se: float, reference: float = 5.0) -> TrapCell:
    return TrapCell((), 5.0, 5.0 + gap, reference, Effect(5.0, 5.0 + gap, se, 20), Effect(10.0, 8.0, 0.5, 20))


def test_rule_flags_a_high_start_that_stays_high() -> None:
    assert cell(gap=3.0, se=0.2).hysteresis
    assert not cell(gap=0.05, se=0.01).hysteresis, "a gap under MIN_GAP of the reference is one state"
    assert not cell(gap=3.0, se=2.0).hysteresis, "a gap within the noise is not hysteresis"
    assert not cell(gap=MIN_GAP * 5.0, se=0.01).hysteresis


@pytest.mark.slow
def test_pressure_costs_improvement_but_homes_recover() -> None:
    result = trap_cell(("parameters.problem_hours_per_week=8", "structure.follow_up_weeks=104"), replications=30,
                       workers=2)
    assert result.high > result.reference > 0
    assert not result.hysteresis, result
    assert abs(result.gap.z) < 3.0, result
    assert result.implemented.z <= -3.0, result.implemented


# --- the full loop's table (qicsim.studies.mechanism_checks.trap_table) -----------------------

def test_a_batch_of_cells_gives_each_cell_what_it_gives_alone() -> None:
    overrides = ("structure.homes_per_site=[2,2]", "structure.follow_up_weeks=4")
    alone = trap_cell(overrides, replications=2)
    batch = trap_cells([("structure.homes_per_site=[3]", "structure.follow_up_weeks=4"), overrides], replications=2)
    assert batch[1] == alone


def test_the_table_runs_each_row_with_improvement_and_in_the_control_and_says_what_it_found(tmp_path) -> None:
    tiny = {"parameters.care_workload_share": (0.97,), "parameters.problem_hours_per_week": (2,),
            "parameters.rushed_care_problems": (2,)}
    specs = [RowSpec(s.block, s.loop, s.settings, (*s.overrides, "structure.homes_per_site=[2,2]",
                                                    "structure.collaborative_weeks=20", "structure.follow_up_weeks=6",
                                                    "structure.learning_event_weeks=[0]"))
             for s in [*trap_table.grid_specs(tiny), *trap_table.parts_specs(tiny)[:1]]]
    rows = trap_table.run_rows(specs, replications=2, workers=1)
    assert [r.loop for r in rows] == [*trap_table.LOOPS, "full loop, strong work-arounds only"]
    for row in rows:
        assert row.control.overrides[-1] == "parameters.prevention_per_improvement=0"
        assert "parameters.prevention_per_improvement=0" not in row.improving.overrides
    lines = trap_table.section(rows, replications=2)
    text = "\n".join(lines)
    assert lines[0] == trap_table.HEADING and "### Load grid" in text and "### Finding" in text
    assert text.count("| full loop, strong |") == 1 and "control: two states" in text
    doc = tmp_path / "mechanisms.md"
    doc.write_text("# Mechanisms\n\n## Dose\n\ntext\n\n" + trap_table.HEADING + "\n\nold table\n\n## After\n\nkept\n")
    trap_table.write_section(lines, doc)
    written = doc.read_text()
    assert "old table" not in written and "## Dose\n\ntext" in written and written.endswith("## After\n\nkept\n")
    assert written.count(trap_table.HEADING) == 1


def test_finding_reads_a_trap_that_the_control_shares_as_firefighting() -> None:
    def row(loop: str, improving: float, control: float) -> trap_table.TrapRow:
        return trap_table.TrapRow("grid", loop, (("parameters.rushed_care_problems", 10.0),),
                                  cell(improving, 0.2), cell(control, 0.2))
    both = trap_table.finding([row("firefighting", 0.0, 0.0), row("full loop, strong", 3.0, 3.0)])
    assert any("firefighting trap, not a capability trap" in w for w in both)
    needs = trap_table.finding([row("full loop", 3.0, 0.0)])
    assert any("only with improvement" in w and "need improvement" in w for w in needs)
    none = trap_table.finding([row("full loop", 0.0, 0.0)])
    assert any("no tipping point" in w for w in none)


def test_two_states_are_read_as_a_tipping_point_only_when_the_start_decides_how_many_homes_get_stuck() -> None:
    def row(stuck: Effect) -> trap_table.TrapRow:
        improving = TrapCell((), 15.0, 23.0, 5.0, Effect(15.0, 23.0, 0.8, 20), Effect(10.0, 7.0, 0.5, 20), stuck)
        return trap_table.TrapRow("grid", "full loop, strong", (), improving, improving)
    assert trap_table._kind(row(Effect(0.20, 0.31, 0.02, 20))).startswith("a tipping point")
    assert trap_table._kind(row(Effect(0.97, 0.99, 0.005, 20))).startswith("a collapse")
    assert trap_table._kind(row(Effect(0.20, 0.21, 0.02, 20))).startswith("two states in the mean")

"""The default structure (issue 19's flip) as users meet it: presets, records, ensembles and funding.

The default is ``selected_2027`` (docs/ODD.md, section 4); what was made under the structure PEACH
was calibrated on (``peach_2026``) says so, and a purchase of facilitation reaches the model under
either structure.
"""

from __future__ import annotations

import dataclasses

import pytest

import qicsim
from qicsim.config.ensemble import fitted_structure, structure_mismatch
from qicsim.model.parameters import RECORDED_STRUCTURE, Structure
from qicsim.run.runner import model_kwargs
from qicsim.studies.policy.appraisal import Case, case_overrides
from qicsim.studies.policy.options import load_option

SWITCHES = tuple(RECORDED_STRUCTURE)


def switches(overrides: list[str] | None = None) -> dict[str, str]:
    structure = qicsim.scenario_config("peach", overrides or []).structure
    return {name: getattr(structure, name) for name in SWITCHES}


def test_the_default_is_the_selected_preset_and_peach_2026_is_the_recorded_structure() -> None:
    assert switches() == switches(["structure=selected_2027"])
    assert switches(["structure=peach_2026"]) == RECORDED_STRUCTURE
    assert switches() != RECORDED_STRUCTURE
    defaults = {f.name: f.default for f in dataclasses.fields(Structure) if f.name in SWITCHES}
    assert defaults == switches()


def test_the_shipped_ensemble_names_the_structure_it_was_fitted_under() -> None:
    assert fitted_structure("peach") == RECORDED_STRUCTURE
    assert structure_mismatch("peach", RECORDED_STRUCTURE) is None
    line = structure_mismatch("peach", switches())
    assert line is not None and "\n" not in line and "project_start=facilitation" in line


@pytest.mark.parametrize(("homes", "expected"), [(None, 3.0 * 29), (30, 3.0 * 30)])
def test_facilitation_bought_per_home_is_the_caseload_of_the_case(homes: int | None, expected: float) -> None:
    option = load_option("facilitation")
    overrides = case_overrides(option, Case(homes=homes, ensemble=None), scenario_events=4)
    kwargs = model_kwargs(qicsim.scenario_config("peach", overrides))
    assert kwargs["facilitation_hours_per_week"] == pytest.approx(expected)
    assert kwargs["facilitator_hours_per_home"] == pytest.approx(3.0)  # the coaching route's, under peach_2026
    baseline = model_kwargs(qicsim.scenario_config("peach", case_overrides(load_option("baseline"), Case(homes=homes,
                                                                                  ensemble=None), 4)))
    assert baseline["facilitation_hours_per_week"] == 0.0


@pytest.mark.parametrize("structure", ["selected_2027", "peach_2026"])
def test_the_facilitation_option_buys_facilitator_hours_under_either_structure(structure: str) -> None:
    case = Case(homes=8, weeks=26, replications=2, ensemble=None, structure=structure)
    hours = {}
    for name in ("baseline", "facilitation"):
        runs = qicsim.run("peach", overrides=case_overrides(load_option(name), case, 4), replications=2).runs
        hours[name] = runs["facilitator_hours"].sum()
    assert hours["baseline"] == 0.0 and hours["facilitation"] > 0.0


def test_a_bad_structure_preset_is_one_line() -> None:
    with pytest.raises(qicsim.errors.ConfigError, match="--structure"):
        Case(structure="no_such_structure").check()

"""Every setting in one place: assumed numbers live in ``Parameters``, not in the model's modules.

- a scan of ``qicsim/model/*.py`` fails on a module-level UPPER_CASE constant holding a number
  that is not on the allow-list of structural constants below;
- the settings that were such constants keep their old values as defaults, are read by the
  model (changing one changes the model), are settable and validated from config, and do not
  disturb records (sweep fingerprints, ensembles) made before they were settings.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

import qicsim
from qicsim.config.ensemble import drawn_kwargs, load_ensemble, shipped_names
from qicsim.errors import ConfigError
from qicsim.model import QICModel
from qicsim.model.outcomes import outcome_rows
from qicsim.model.parameters import (
    ACTS_UNDER,
    RECORDED_SETTINGS,
    RECORDED_STRUCTURE,
    Parameters,
    Structure,
    omit_later_settings,
)
from qicsim.model.roles import Role
from qicsim.model.setup import OPTIONAL_NHS_MEMBERS
from qicsim.run.runner import model_kwargs

MODEL_DIR = Path(qicsim.__file__).parent / "model"

# Module-level constants of the model that hold numbers and are not assumptions to set: each with why.
STRUCTURAL: dict[tuple[str, str], str] = {
    ("problems", "WEEKS_PER_YEAR"): "unit conversion (rates per year to per week)",
    ("turnover", "WEEKS_PER_YEAR"): "unit conversion (rates per year to per week)",
    ("workload", "WEEKS_PER_YEAR"): "unit conversion (the seasonal cycle's period)",
    ("relationships", "FADE_EVERY_WEEKS"): "numerical step: ties fade in batches of weeks, for speed",
    ("ties", "_INITIAL_CAPACITY"): "storage size of cross-site ties (it doubles when full)",
    ("counters", "FEW_UNITS"): "speed: up to this many units a count is added to one by one, not through np.add.at",
    ("contexts", "CONTEXTS"): "the context registry: the theory's expected signs (+1/-1) and the dashboard's presets",
    ("roles", "HIERARCHY"): "per-role status table (docs/parameters.md, Roles; an assumption shown there)",
    ("roles", "HOURLY_COST_GBP"): "per-role wages with their sources (docs/parameters.md, Roles)",
    ("outcomes", "START_WINDOW_WEEKS"): "an outcome's definition: homes starting work in the first 26 weeks",
    ("planning", "IDEA_DRAWS"): "layout of the keyed draws: uniforms an idea in planning draws",
    ("projects", "WEEK_DRAWS"): "layout of the keyed draws: uniforms a project draws a week",
    ("recruitment", "RECRUIT_DRAWS"): "layout of the keyed draws: uniforms a project draws to recruit a week",
}

# The constants that became parameters, with the values they had in the code.
FORMER_VALUES = {
    "beds_cv": 0.3, "beds_min": 5, "lay_workload_share": 0.75, "contracted_hours": 37.5,
    "carer_contracted_hours": 36.0, "lay_member_hours": 8.0, "optional_member_prob": 0.5,
    "initial_engagement_min": 0.4, "initial_engagement_max": 0.8, "new_holder_engagement": 0.5,
    "colleague_tie": 0.5, "low_status_level": 1, "project_effort_sigma": 0.5,
    "multidisciplinary_disciplines": 3, "outside_tie_strength": 0.5,
}
FORMER_CONSTANTS = frozenset(FORMER_VALUES)
SMALL = {"homes_per_site": [3, 3], "collaborative_weeks": 20, "follow_up_weeks": 0, "learning_event_weeks": [0]}
PEACH_SMALL = ["structure.homes_per_site=[3,3]", "structure.collaborative_weeks=40", "structure.follow_up_weeks=0",
               "structure.learning_event_weeks=[0]"]


def numeric_constants(path: Path) -> dict[str, list[float]]:
    """Module-level UPPER_CASE names of a module whose value holds a numeric literal, with those numbers."""
    found: dict[str, list[float]] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            names, value = [t.id for t in node.targets if isinstance(t, ast.Name)], node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names, value = [node.target.id], node.value
        else:
            continue
        numbers = [n.value for n in ast.walk(value) if isinstance(n, ast.Constant)
                   and isinstance(n.value, int | float) and not isinstance(n.value, bool)]
        for name in names:
            if numbers and name.lstrip("_").isupper():
                found[name] = numbers
    return found


def all_numeric_constants() -> dict[tuple[str, str], list[float]]:
    return {(path.stem, name): numbers for path in sorted(MODEL_DIR.glob("*.py"))
            for name, numbers in numeric_constants(path).items()}


def test_no_assumed_number_hides_in_a_model_module() -> None:
    unlisted = sorted(set(all_numeric_constants()) - set(STRUCTURAL))
    assert not unlisted, (f"{unlisted}: an assumed number belongs in qicsim/model/parameters.py (a setting with "
                          "range, unit and source); a structural constant goes on STRUCTURAL with why")


def test_the_allow_list_names_only_constants_that_exist() -> None:
    assert set(STRUCTURAL) <= set(all_numeric_constants())


def test_the_scan_finds_a_new_constant(tmp_path: Path) -> None:
    module = tmp_path / "new.py"
    module.write_text("SPREAD = 0.4  # assumption\nNAMES = ('a', 'b')\n_LIMIT: int = 3\nflag = True\n")
    assert numeric_constants(module) == {"SPREAD": [0.4], "_LIMIT": [3]}


def test_former_constants_keep_their_values_as_defaults() -> None:
    defaults = Parameters()
    assert not FORMER_CONSTANTS & RECORDED_SETTINGS  # added after the records were made
    for name, value in FORMER_VALUES.items():
        assert getattr(defaults, name) == value, name
        assert type(getattr(defaults, name)) is type(value), name  # an int stays an int in records


def test_former_constants_are_documented_settings() -> None:
    by_name = {f.name: f for f in fields(Parameters)}
    table = (Path(__file__).resolve().parents[1] / "docs" / "parameters.md").read_text(encoding="utf-8")
    for name in FORMER_CONSTANTS:
        meta = by_name[name].metadata
        assert meta["source"] and meta["unit"] and meta["doc"], name
        assert f"`parameters.{name}`" in table, name


def built(**settings: float) -> QICModel:
    """A small model, built (set-up done) but not run."""
    return QICModel(seed=11, **SMALL, **settings)


def test_set_up_reads_each_former_constant() -> None:
    base, changed = built(), built(beds_cv=0.0, beds_min=40, contracted_hours=30.0, carer_contracted_hours=20.0,
                                   lay_member_hours=4.0, lay_workload_share=0.5, initial_engagement_min=0.65,
                                   initial_engagement_max=0.65, new_holder_engagement=0.25)
    assert len({h.beds for h in base.homes}) > 1 and all(h.beds == 40 for h in changed.homes)
    hours = {Role.GP: 30.0, Role.SENIOR_CARER: 20.0, Role.CARE_ASSISTANT: 20.0, Role.LAY_MEMBER: 4.0}
    for role, expected in hours.items():
        at = changed.staff.role == role
        if at.any():
            assert (changed.staff.contracted_hours[at] == expected).all(), role
    lay = changed.staff.role == Role.LAY_MEMBER
    assert (changed.staff.workload_mean[lay] == 0.5).all()
    members = changed.staff.member
    assert (changed.staff.engagement[members] == 0.65).all()
    assert (changed.staff.engagement[~members] == 0.25).all()
    assert (base.staff.engagement[~base.staff.member] == 0.5).all()


@pytest.mark.parametrize(("prob", "optional_in_team"), [(0.0, 0), (1.0, len(OPTIONAL_NHS_MEMBERS))])
def test_optional_members_join_with_their_probability(prob: float, optional_in_team: int) -> None:
    model = built(optional_member_prob=prob)
    optional = np.isin(model.staff.role, [int(r) for r in OPTIONAL_NHS_MEMBERS])
    for site in range(len(SMALL["homes_per_site"])):
        in_site = model.staff.site == site
        assert (optional & model.staff.team_post & in_site).sum() == optional_in_team


def test_initial_ties_take_the_tie_strengths() -> None:
    model = built(colleague_tie=0.3, outside_tie_strength=0.7, outside_tie_prob=1.0, partnership_tie_prob=0.0)
    strengths = set()
    for site, block in enumerate(model.staff.ties.blocks):
        colleague = model.staff.ties.colleague[site]
        assert (block[colleague] == 0.3).all()
        strengths |= set(np.unique(block[~colleague & (block > 0)]).tolist())
    assert strengths == {0.7}


def test_projects_read_effort_spread_and_the_counting_thresholds() -> None:
    kwargs = model_kwargs(qicsim.scenario_config("peach", PEACH_SMALL))
    base = QICModel(seed=5, **kwargs).run()
    fixed = QICModel(seed=5, **{**kwargs, "project_effort_sigma": 0.0, "low_status_level": 5,
                                "multidisciplinary_disciplines": 1}).run()
    voiced = [p for p in fixed.projects if p.parent == -1]
    assert voiced and all(p.effort_hours == fixed.params.project_effort_hours for p in voiced)
    assert len({p.effort_hours for p in base.projects if p.parent == -1}) > 1
    ideas = fixed.counts.total("ideas_voiced_care_home") + fixed.counts.total("ideas_voiced_nhs")
    assert fixed.counts.total("ideas_voiced_low_status") == ideas > base.counts.total("ideas_voiced_low_status")
    base_run, fixed_run = outcome_rows(base)[0], outcome_rows(fixed)[0]
    # Every implemented improvement has a discipline giving at least 1/12 of its hours (> discipline_min_share).
    assert fixed_run["multidisciplinary_implemented"] == fixed_run["implemented"] > 0
    assert base_run["multidisciplinary_implemented"] < base_run["implemented"]


@pytest.mark.parametrize("name", sorted(FORMER_CONSTANTS))
def test_each_former_constant_is_settable_from_config(name: str) -> None:
    value = FORMER_VALUES[name]
    other = value + 1 if isinstance(value, int) else round(value * 0.9, 6)
    config = qicsim.scenario_config("peach", [f"parameters.{name}={other}"])
    assert getattr(config.parameters, name) == other


@pytest.mark.parametrize("override", ["parameters.colleague_tie=1.5", "parameters.beds_min=2.5",
                                      "parameters.optional_member_prob=-0.1",
                                      "parameters.initial_engagement_min=0.9"])
def test_bad_values_of_former_constants_are_refused(override: str) -> None:
    with pytest.raises(ConfigError) as error:
        qicsim.scenario_config("peach", [override])
    assert override.split("=")[0].removeprefix("parameters.") in str(error.value)


def test_records_leave_out_later_settings_at_their_defaults() -> None:
    values = {"beds_mean": 28.0, "colleague_tie": 0.5, "beds_min": 6, "low_status_level": 1.0, "trap": "firefighting"}
    assert omit_later_settings(values) == {"beds_mean": 28.0, "beds_min": 6}
    kwargs = model_kwargs(qicsim.scenario_config("peach", ["structure=peach_2026"]))
    assert set(omit_later_settings(kwargs)) - {"contexts"} == set(kwargs) & RECORDED_SETTINGS


def test_a_run_under_the_default_structure_does_not_match_a_record_made_under_the_old_one() -> None:
    # The default structure changed after the records were made: its switches must show in a record.
    kwargs = model_kwargs(qicsim.scenario_config("peach"))
    shown = set(omit_later_settings(kwargs)) - RECORDED_SETTINGS - {"contexts"}
    changed = {name for name, value in RECORDED_STRUCTURE.items() if kwargs[name] != value}
    assert changed, "the default structure differs from the recorded one in at least one switch"
    assert changed <= shown


@pytest.mark.parametrize("name", shipped_names())
def test_shipped_ensembles_load_and_leave_former_constants_at_defaults(name: str) -> None:
    ensemble = load_ensemble(name)
    assert not FORMER_CONSTANTS & set(ensemble.parameters.columns)
    kwargs, row = drawn_kwargs(model_kwargs(qicsim.scenario_config("peach")), ensemble, seed=7)
    assert row >= 0
    for field_name, value in FORMER_VALUES.items():
        assert kwargs[field_name] == value, field_name


def test_an_ensemble_may_set_a_former_constant(tmp_path: Path) -> None:
    path = tmp_path / "ties.csv"
    path.write_text("weight,colleague_tie,beds_min\n1,0.3,6\n1,0.6,7\n")
    ensemble = load_ensemble(str(path))
    kwargs, row = drawn_kwargs(model_kwargs(qicsim.scenario_config("peach")), ensemble, seed=7)
    assert (kwargs["colleague_tie"], kwargs["beds_min"]) == [(0.3, 6), (0.6, 7)][row]
    assert type(kwargs["beds_min"]) is int
    bad = tmp_path / "bad.csv"
    bad.write_text("weight,colleague_tie\n1,1.5\n")
    with pytest.raises(ConfigError):
        load_ensemble(str(bad))


def test_settings_of_a_rival_structure_are_left_out_of_records_where_it_is_not_selected() -> None:
    switches = {f.name: f.metadata["choices"] for f in dataclasses.fields(Structure) if f.metadata.get("choices")}
    for name, (switch, acting) in ACTS_UNDER.items():
        assert name not in RECORDED_SETTINGS and switch in switches and set(acting) <= set(switches[switch])
    values = {"facilitation_hours_per_week": 56.25, "beds_mean": 30.0}
    assert omit_later_settings(values, {"project_start": "meetings"}) == {"beds_mean": 30.0}
    assert omit_later_settings(values, {"project_start": "facilitation"}) == values

"""Calibration across programmes (issue 21, items 1 and 2's groundwork): the targets table and its errors,
the statistics computed from a run's tables (known answers on synthetic tables), and the scaled distance."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from qicsim.config.loader import load_config
from qicsim.config.paths import config_dir
from qicsim.errors import ConfigError, DataError
from qicsim.run.runner import simulate
from qicsim.studies.calibration.distance import ScaledDistance, distance_for, observed, simulated
from qicsim.studies.calibration.programme_targets import (
    DOCS,
    STATUSES,
    load_table,
    parse_table,
    render_markdown,
    table_path,
)
from qicsim.studies.calibration.settings import load_settings
from qicsim.studies.calibration.statistics import (
    MODEL_COLUMNS,
    STATISTICS,
    available,
    compute,
    missing_columns,
    needs_model,
)

SCENARIOS = config_dir() / "scenario"


def raw_table() -> dict:
    return yaml.safe_load(table_path().read_text(encoding="utf-8"))


def entry(data: dict, target_id: str) -> dict:
    return next(t for t in data["targets"] if t["id"] == target_id)


# ---------------------------------------------------------------------------------------------- the table


def test_shipped_table_is_valid_sourced_and_leaves_prosper_out() -> None:
    table = load_table()
    assert {t.status for t in table.targets} <= set(STATUSES)
    assert not any("prosper" in (t.programme + t.scenario).lower() for t in table.targets)
    # PEACH and at least two other programmes can enter a fit
    assert table.programmes()[0] == "PEACH" and len(table.programmes()) >= 3
    for t in table.usable():
        assert t.statistic in available(), t.id
        assert all(p.tolerance is not None and p.tolerance > 0 for p in t.points), t.id
        assert t.source and t.where and t.tolerance_rule, t.id
    assert any(t.kind == "time-course" for t in table.usable())  # a shape, not only end points
    assert table.not_found  # what was looked for and not found is recorded


def test_peach_targets_are_the_shipped_calibrations() -> None:
    """The table's PEACH rows are the five targets of configs/calibration/peach.yaml, same values and tolerances."""
    settings = load_settings("peach")
    peach = {t.statistic: t for t in load_table().usable() if t.programme == "PEACH"}
    assert set(peach) == set(settings.targets)
    for name, target in settings.targets.items():
        assert peach[name].points[0].value == pytest.approx(target.value)
        assert peach[name].points[0].tolerance == pytest.approx(target.tolerance)


def test_docs_table_is_generated_from_the_yaml() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_markdown(load_table()), (
        "docs/calibration_targets.md is stale: python -m qicsim.studies.calibration.programme_targets --write")


def _break(data: dict, target_id: str, **changes: object) -> dict:
    data = copy.deepcopy(data)
    target = entry(data, target_id)
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return data


@pytest.mark.parametrize(("target_id", "changes", "message"), [
    ("peach_spread", {"programme": "PROSPER"}, r"targets\[peach_spread\]\.programme: PROSPER is held out"),
    ("peach_spread", {"scenario": "prosper"}, r"targets\[peach_spread\]\.programme: PROSPER is held out"),
    ("peach_spread", {"statistic": "no_such"}, r"targets\[peach_spread\]\.statistic: 'no_such' is not a known"),
    ("peach_spread", {"kind": "time-course"}, r"targets\[peach_spread\]\.kind: time-course does not match"),
    ("peach_spread", {"kind": "sometimes"}, r"targets\[peach_spread\]\.kind: 'sometimes' is not a kind"),
    ("peach_spread", {"status": "maybe"}, r"targets\[peach_spread\]\.status: 'maybe' is not a status"),
    ("peach_spread", {"source": None}, r"targets\[peach_spread\]\.source: missing"),
    ("peach_spread", {"source": " "}, r"targets\[peach_spread\]\.source: ' ' is not a non-empty text"),
    ("peach_spread", {"tolerance": -1}, r"targets\[peach_spread\]\.tolerance: -1 is not positive"),
    ("peach_spread", {"tolerance": None}, r"targets\[peach_spread\]\.tolerance: None is not a finite number"),
    ("peach_spread", {"value": float("nan")}, r"targets\[peach_spread\]\.value: nan is not a finite number"),
    ("peach_spread", {"value": None}, r"targets\[peach_spread\]\.value: missing"),
    ("peach_spread", {"colour": "red"}, r"targets\[peach_spread\]\.colour: unknown field"),
    ("peach_spread", {"id": "../x"}, r"\.id: '\.\./x' is not a plain name"),
    ("peach_spread", {"scenario": "nowhere"}, r"targets\[peach_spread\]\.scenario: no configs/scenario/nowhere"),
    ("peach_share_led_gp", {"statistic": "sustained_share"}, r"\.statistic: sustained_share is held out"),
    ("space_homes_taking_part", {"status": "usable"},
     r"\.status: usable, but homes_taking_part_by_week needs homes\.week_left"),
    ("space_homes_measuring_end", {"status": "needs-model-statistic"}, r"\.status: needs-model-statistic, but"),
    ("space_homes_measuring_end", {"overlaps_validation": None},
     r"\.overlaps_validation: missing: validation check space_homes_measuring"),
    ("space_homes_measuring_end", {"overlaps_validation": "bts_event_attendance"},
     r"\.overlaps_validation: 'bts_event_attendance' is not a validation check of space"),
    ("bts_falls_sustained", {"note": None}, r"targets\[bts_falls_sustained\]\.note: missing"),
    ("movit_gp_mdt_meetings", {"status": "usable"}, r"\.statistic: none \(no model counterpart\)"),
    ("bts_attendance_by_event", {"points": [{"at": 2, "value": 3, "tolerance": 1}, {"at": 1, "value": 3,
                                                                                   "tolerance": 1}]},
     r"\.points: `at` \[2\.0, 1\.0\] is not strictly increasing"),
    ("bts_attendance_by_event", {"points": []}, r"\.points: missing or empty"),
    ("bts_attendance_by_event", {"points": [{"at": 1, "value": 3}]}, r"\.points\[0\]\.tolerance: None is not"),
    ("bts_attendance_by_event", {"value": 3}, r"\.value: given for a time course"),
])
def test_bad_input_is_one_line_naming_file_and_field(target_id: str, changes: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=r"^targets_programmes\.yaml: .*" + message) as caught:
        parse_table(_break(raw_table(), target_id, **changes), Path("targets_programmes.yaml"), SCENARIOS)
    assert "\n" not in str(caught.value)


def test_duplicate_ids_and_bad_documents_are_refused(tmp_path: Path) -> None:
    data = raw_table()
    data["targets"].append(copy.deepcopy(data["targets"][0]))
    with pytest.raises(ConfigError, match=r"targets\[peach_measured_share\]\.id: used twice"):
        parse_table(data, Path("targets_programmes.yaml"), SCENARIOS)
    with pytest.raises(ConfigError, match=r"^targets_programmes\.yaml: not_found\[0\]"):
        parse_table({**raw_table(), "not_found": [{"programme": "X"}]}, Path("targets_programmes.yaml"), SCENARIOS)
    with pytest.raises(ConfigError, match=r"\(top level\)"):
        parse_table({"targets": [], "extra": 1}, Path("targets_programmes.yaml"), SCENARIOS)
    with pytest.raises(ConfigError, match=r"does not exist"):
        load_table(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("targets: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^bad\.yaml: cannot be read"):
        load_table(bad)


# ------------------------------------------------------------------------------------ statistics (known answers)


def synthetic_tables() -> SimpleNamespace:
    """Two replications: 3 homes and 2 homes; events in weeks 0 and 17 (two sites, then one)."""
    runs = pd.DataFrame({"replication": [0, 1], "measured_share": [0.1, np.nan]})
    homes = pd.DataFrame({"replication": [0, 0, 0, 1, 1], "home": [0, 1, 2, 0, 1],
                          "first_implementation_week": [5.0, np.nan, 30.0, np.nan, np.nan],
                          "measured_cycles": [2, 0, 1, 0, 0]})
    projects = pd.DataFrame({"replication": [0, 0, 0, 1], "home": [0, 0, 2, 1], "week_created": [3, 10, 40, 26]})
    weekly = pd.DataFrame({
        "replication": [0, 0, 0, 0, 1, 1],
        "week": [0, 0, 17, 17, 0, 0],
        "mechanism": ["events_held", "event_attendances", "events_held", "event_attendances", "events_held",
                      "event_attendances"],
        "value": [2.0, 5.0, 1.0, 3.0, 2.0, 8.0]})
    return SimpleNamespace(runs=runs, homes=homes, projects=projects, mechanisms_weekly=weekly)


def test_statistics_on_synthetic_tables() -> None:
    tables = synthetic_tables()
    assert compute("homes_with_implementation_by_week", tables, 27).tolist() == pytest.approx([1 / 3, 0.0])
    assert compute("homes_with_implementation_by_week", tables, 31).tolist() == pytest.approx([2 / 3, 0.0])
    assert compute("homes_starting_by_week", tables, 26).tolist() == pytest.approx([1 / 3, 0.0])  # week 26: not before
    assert compute("homes_starting_by_week", tables, 27).tolist() == pytest.approx([1 / 3, 0.5])
    assert compute("homes_measuring_share", tables).tolist() == pytest.approx([2 / 3, 0.0])
    assert compute("event_attendance_by_event", tables, 1).tolist() == pytest.approx([2.5, 4.0])
    second = compute("event_attendance_by_event", tables, 2)
    assert second.iloc[0] == pytest.approx(3.0) and math.isnan(second.iloc[1])  # replication 1 held one event
    assert math.isnan(compute("measured_share", tables).iloc[1])


def test_a_statistic_the_model_does_not_write_is_refused_not_approximated() -> None:
    tables = synthetic_tables()
    assert missing_columns("homes_taking_part_by_week", tables) == ("homes.week_left",)
    with pytest.raises(DataError, match=r"^homes\.week_left: not in the run's tables"):
        compute("homes_taking_part_by_week", tables, 96)
    tables.homes["week_left"] = [50.0, np.nan, 100.0, np.nan, 90.0]  # if the model ever writes it
    assert compute("homes_taking_part_by_week", tables, 96).tolist() == pytest.approx([2 / 3, 0.5])
    with pytest.raises(ValueError, match="time course"):
        compute("homes_taking_part_by_week", tables)
    assert needs_model("homes_taking_part_by_week") == ("homes.week_left",)
    assert needs_model("homes_measuring_by_week") == ()
    assert needs_model("event_attendance_by_event") == ()
    assert set(available()) | {n for n in STATISTICS if needs_model(n)} == set(STATISTICS)


def test_homes_measuring_by_week_counts_homes_whose_first_measured_cycle_came_before_the_week() -> None:
    tables = synthetic_tables()
    tables.homes["first_measured_week"] = [4.0, np.nan, 27.0, 2.0, np.nan]
    assert compute("homes_measuring_by_week", tables, 27).tolist() == pytest.approx([1 / 3, 0.5])  # 27: not before
    assert compute("homes_measuring_by_week", tables, 28).tolist() == pytest.approx([2 / 3, 0.5])


def test_first_measured_week_is_when_each_homes_measured_cycles_began() -> None:
    """The homes table's first measured week against an independent record: each site's weekly count of
    measured cycles first moves in the week its earliest-measuring home first measured (counts go to homes)."""
    results = simulate(load_config(["scenario=space", "run.replications=2", "run.seed=11"]))
    homes, weekly = results.homes, results.weekly
    never = homes["first_measured_week"].isna()
    assert (never == (homes["measured_cycles"] == 0)).all()
    assert never.sum() < len(homes)  # SPACE homes measure: the check below is not empty
    cycles = weekly[weekly["measure"] == "measured_cycles"]
    checked = 0
    for (replication, site), rows in cycles.groupby(["replication", "site"]):
        first = homes.loc[(homes["replication"] == replication) & (homes["site"] == site), "first_measured_week"].min()
        moved = rows.loc[rows["value"] > 0, "week"]
        if np.isnan(first):
            assert moved.empty
        else:
            assert moved.min() == first, (replication, site)
            checked += 1
    assert checked >= 2


def test_model_columns_are_what_a_run_writes_and_usable_statistics_compute() -> None:
    """MODEL_COLUMNS (what decides 'usable') against real runs: every usable target's statistic computes
    from one replication of its programme's scenario, finite and in its range."""
    usable = load_table().usable()
    for scenario in dict.fromkeys(t.scenario for t in usable):
        results = simulate(load_config([f"scenario={scenario}", "run.replications=1"]))
        for table, columns in MODEL_COLUMNS.items():
            assert set(columns) <= set(getattr(results, table).columns), (scenario, table)
        for key, value in simulated(results, [t for t in usable if t.scenario == scenario]).items():
            limit = 50 if "attendance" in key or "spread" in key else 1
            assert math.isfinite(value) and 0 <= value <= limit, (key, value)


# ------------------------------------------------------------------------------------- the distance (known answers)


def test_distance_keeps_informing_inside_a_band() -> None:
    d = ScaledDistance({"a": 0.2})
    assert d({"a": 0.5}, {"a": 0.5}) == 0.0
    assert d({"a": 0.6}, {"a": 0.5}) == pytest.approx(0.5)  # half a tolerance: 0.5, not a flat 0
    assert d({"a": 0.7}, {"a": 0.5}) == pytest.approx(1.0)
    assert d({"a": 0.1}, {"a": 0.5}) == pytest.approx(2.0)
    inside = [d({"a": 0.5 + s}, {"a": 0.5}) for s in (0.02, 0.05, 0.1, 0.15)]
    assert inside == sorted(inside) and len(set(inside)) == 4  # strictly increasing within the band
    assert d({"a": math.nan}, {"a": 0.5}) == math.inf


def test_distance_known_answers_with_targets_time_courses_and_weights() -> None:
    x0 = {"e": 1.0, "t@1": 3.0, "t@2": 3.0, "t@3": 3.0}
    scales = {"e": 0.5, "t@1": 1.0, "t@2": 1.0, "t@3": 1.0}
    groups = {"e": "e", "t@1": "t", "t@2": "t", "t@3": "t"}
    d = ScaledDistance(scales, groups)
    # end point one tolerance off, time course exact: mean over the 2 targets of (1, 0) -> sqrt(1/2)
    assert d({**x0, "e": 1.5}, x0) == pytest.approx(math.sqrt(0.5))
    # one point of the time course 3 off: the course's mean 9/3 = 3, over 2 targets 1.5 -> sqrt(1.5)
    assert d({**x0, "t@2": 6.0}, x0) == pytest.approx(math.sqrt(1.5))
    assert d.by_target({**x0, "t@2": 6.0}, x0) == pytest.approx({"e": 0.0, "t": 3.0})
    assert ScaledDistance(scales, groups, p=1)({**x0, "e": 1.5}, x0) == pytest.approx(0.5)
    assert ScaledDistance(scales, groups, weights={"e": 3})({**x0, "e": 1.5}, x0) == pytest.approx(math.sqrt(0.75))
    assert d.deviations({**x0, "e": 0.0}, x0)["e"] == pytest.approx(-2.0)


def test_pnorm_weights_give_the_same_distance() -> None:
    rng = np.random.default_rng(7)
    scales = {"e": 0.5, "t@1": 1.0, "t@2": 2.0}
    d = ScaledDistance(scales, {"e": "e", "t@1": "t", "t@2": "t"}, weights={"t": 2.0})
    x0 = dict.fromkeys(scales, 1.0)
    weights = d.pnorm_weights()
    for _ in range(5):
        x = {k: float(v) for k, v in zip(scales, rng.normal(1, 1, len(scales)), strict=True)}
        by_weights = math.sqrt(sum((weights[k] * (x[k] - x0[k])) ** 2 for k in scales))
        assert d(x, x0) == pytest.approx(by_weights)
    pyabc = pytest.importorskip("pyabc")
    reference = pyabc.distance.PNormDistance(p=2, fixed_weights=weights)
    reference.initialize(t=0, get_sample=lambda: None, x_0=x0, total_sims=0)
    x = {k: float(v) for k, v in zip(scales, rng.normal(1, 1, len(scales)), strict=True)}
    assert reference(x, x0, t=0) == pytest.approx(d(x, x0))


@pytest.mark.parametrize(("args", "message"), [
    (({"a": 0.0},), "scale of a"), (({"a": math.inf},), "scale of a"), (({},), "no statistic"),
    (({"a": 1.0}, None, None, 0.5), "p: 0.5"), (({"a": 1.0}, {"b": "b"}), "groups must name"),
    (({"a": 1.0}, None, {"a": -1.0}), "weight of a"),
])
def test_distance_refuses_bad_scales(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ScaledDistance(*args)


def test_distance_over_the_shipped_table() -> None:
    table = load_table()
    usable = table.usable()
    d = distance_for(usable)
    x0 = observed(usable)
    assert set(x0) == set(d.scales) and len(d.weights) == len(usable)
    assert d(x0, x0) == 0.0
    one_off = {k: v + d.scales[k] for k, v in x0.items()}  # every point one tolerance away
    assert d(one_off, x0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="needs-model-statistic"):
        distance_for([t for t in table.targets if t.status == "needs-model-statistic"])

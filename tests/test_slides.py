"""``qicsim plot`` (qicsim.apps.slides), the run figure's title, and the dashboard's model and controls."""

from __future__ import annotations

import json

import numpy as np
import pytest

import qicsim
from qicsim import scenario_config
from qicsim.apps.cli.plot import plot
from qicsim.apps.slides.conditions import Condition, default_mechanism, labels, parse_condition
from qicsim.config.changes import result_changes
from qicsim.errors import ConfigError

SMALL = ["structure.homes_per_site=[2,2]", "structure.collaborative_weeks=20", "structure.follow_up_weeks=4",
         "structure.learning_event_weeks=[0,10]"]


def test_a_condition_is_a_scenario_and_overrides_split_outside_brackets() -> None:
    condition = parse_condition("peach:contexts.x.intensity=0,'contexts.x.schedule=[{week: 1, intensity: 0}]'")
    assert condition.scenario == "peach"
    assert condition.overrides == ("contexts.x.intensity=0", "'contexts.x.schedule=[{week: 1, intensity: 0}]'")
    assert parse_condition("all_contexts") == Condition("all_contexts")
    with pytest.raises(ConfigError, match="not key=value"):
        parse_condition("peach:oops")
    with pytest.raises(ConfigError, match="names no scenario"):
        parse_condition(":a=1")


def test_labels_name_what_differs_and_the_title_what_is_shared() -> None:
    title, names = labels([Condition("peach", ("run.x=1",)), Condition("peach", ("run.x=1", "contexts.a.intensity=0"))])
    assert title == "peach: run.x=1"
    assert names == ["peach as shipped", "contexts.a.intensity=0"]
    title, names = labels([Condition("peach"), Condition("all_contexts")])
    assert title == "peach vs all_contexts" and names == ["peach", "all_contexts"]


def test_the_default_mechanism_is_the_indicator_of_the_context_that_differs() -> None:
    configs = [scenario_config("peach"), scenario_config("peach", ["contexts.meetings_in_care_homes.intensity=0"])]
    assert default_mechanism(configs) == "care_home_meetings_within_time"
    configs = [scenario_config("peach"), scenario_config("peach", ["contexts.data_support.intensity=1"])]
    assert default_mechanism(configs) == "decisions_on_data"


def test_what_changed_is_the_settings_given_less_how_the_run_ran() -> None:
    given = ["scenario=peach", "run.replications=3", "contexts.protected_time.intensity=0", "hydra.run.dir=x",
             "run.ensemble=peach", "description=mine", "structure.homes_per_site=[3,3]", "sweep.name=s"]
    assert result_changes(given) == ["contexts.protected_time.intensity=0", "structure.homes_per_site=[3,3]"]
    assert result_changes(["run.seed=7", "scenario=all_contexts"]) == []


def test_the_figure_title_names_the_scenario_and_the_first_three_changes() -> None:
    from qicsim.run.plot import figure_title

    assert figure_title("peach", []) == "qicsim: peach"
    assert figure_title("peach", ["contexts.protected_time.intensity=0"]) == (
        "qicsim: peach with contexts.protected_time.intensity=0")
    assert figure_title("all_contexts", [f"k{i}=1" for i in range(5)]) == (
        "qicsim: all_contexts with k0=1, k1=1, k2=1 and 2 more")


def test_a_written_run_is_told_what_changed_by_its_caller(tmp_path, monkeypatch) -> None:
    import qicsim.config.loader
    import qicsim.run.plot

    titles: list[str] = []
    draw, compose = qicsim.run.plot.draw_band, qicsim.config.loader.compose_config
    composed: list[list[str]] = []
    monkeypatch.setattr(qicsim.run.plot, "draw_band", lambda *a, **k: titles.append(k["title"]) or draw(*a, **k))
    monkeypatch.setattr(qicsim.config.loader, "compose_config", lambda o, **k: composed.append(o) or compose(o, **k))
    qicsim.run("peach", overrides=[*SMALL, "run.seed=3"], replications=1, output=tmp_path / "out")
    assert titles == ["qicsim: peach with " + ", ".join(SMALL[:3]) + " and 1 more"]
    assert len(composed) == 1, composed  # the config, once; the title does not compose the scenario again
    assert (tmp_path / "out" / "implemented_by_site.png").is_file()


def test_plot_runs_conditions_on_the_same_seeds_and_records_them(tmp_path) -> None:
    out = tmp_path / "slide.png"
    path = plot(["peach:" + ",".join(SMALL), "peach:" + ",".join([*SMALL, "contexts.protected_time.intensity=0"]),
                 "--replications", "2", "--seed", "7", "--out", str(out)])
    assert path == out and out.stat().st_size > 10_000
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["labels"] == ["peach as shipped", "contexts.protected_time.intensity=0"]
    assert record["mechanism"] == "qic_hours_members"
    finals = record["final_medians"]
    assert finals["contexts.protected_time.intensity=0"]["mechanism"] < finals["peach as shipped"]["mechanism"]
    assert record["replication_seeds"] == [qicsim.replication_seed(7, i) for i in range(2)]
    assert [c["contexts"]["protected_time"]["intensity"] for c in record["configs"]] == [0.5, 0.0]
    # Teaching runs draw their parameters from the calibrated ensemble by default, every condition alike.
    from qicsim.config.schema import DEFAULT_ENSEMBLE

    assert record["ensemble"] == DEFAULT_ENSEMBLE
    assert [c["run"]["ensemble"] for c in record["configs"]] == [DEFAULT_ENSEMBLE, DEFAULT_ENSEMBLE]
    # Over the model-averaged default, the change is split by the structure each run drew (issue 21, item 4).
    split = record["structures"]["contexts.protected_time.intensity=0"]
    assert sum(c["runs"] for c in split["changes"].values()) == 2 and isinstance(split["disagree"], bool)
    assert split["sentence"].startswith("the rival structures ") and "implemented" in split["sentence"]


def test_the_structures_disagree_only_on_opposite_directions_with_enough_runs() -> None:
    from qicsim.apps.slides.structures import MIN_RUNS, split_by_structure

    assert MIN_RUNS == 3
    before = [0.0] * 8
    same = split_by_structure(before, [1, 2, 3, 1, 2, 3, 0, 0], ["a_1"] * 3 + ["b"] * 3 + ["c"] * 2)
    assert not same.disagree and list(same.changes) == ["a_1", "b", "c"]  # most runs first, then by name
    assert same.changes["a_1"] == {"runs": 3.0, "mean_change": 2.0} and same.changes["c"]["mean_change"] == 0.0
    opposite = split_by_structure(before, [1, 2, 3, -1, -2, -3, 0, 0], ["a_1"] * 3 + ["b"] * 3 + ["c"] * 2)
    assert opposite.disagree
    assert opposite.sentence("implemented") == ("the rival structures disagree on the change in implemented: "
                                                "a_1 +2 (3 runs), b -2 (3 runs), c +0 (2 runs)")
    assert "a 1 +2" in opposite.sentence("x", plain=True) and "_" not in opposite.sentence("x", plain=True)
    few = split_by_structure(before, [1, 2, 3, 1, 2, 3, -5, -5], ["a_1"] * 3 + ["b"] * 3 + ["c"] * 2)
    assert not few.disagree  # c moves the other way, but over 2 runs: listed, not judged
    with pytest.raises(ValueError, match="one value per run"):
        split_by_structure([0.0], [1.0, 2.0], ["a", "b"])


def test_plot_with_ensemble_none_keeps_the_point_defaults(tmp_path) -> None:
    out = tmp_path / "slide.png"
    plot(["peach:" + ",".join(SMALL), "--replications", "1", "--ensemble", "none", "--out", str(out)])
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["configs"][0]["run"]["ensemble"] is None


@pytest.mark.parametrize(("argv", "message"), [
    (["peach", "--outcome", "nope"], "--outcome"),
    (["peach", "--mechanism", "nope"], "--mechanism"),
    (["peach", "--replications", "0"], "--replications"),
    (["peach", "--out", "x.pdf"], "--out"),
    (["peach", "--ensemble", "no_such_ensemble"], "run.ensemble"),
    (["peach", "peach:structure.homes_per_site=[2,2]"], "structure.homes_per_site"),
])
def test_plot_refuses_bad_input_naming_the_setting(argv: list[str], message: str, tmp_path) -> None:
    with pytest.raises(ConfigError, match=message):
        plot([*argv, *([] if "--out" in argv else ["--out", str(tmp_path / "a.png")])])
    assert not list(tmp_path.iterdir())


def test_dashboard_model_is_built_through_the_config_path() -> None:
    pytest.importorskip("solara", reason="the dashboard extra")
    from qicsim.apps.dashboard.live_model import DashboardModel
    from qicsim.run.runner import model_kwargs

    dashboard = DashboardModel("peach", seed=3, protected_time=0.0)
    config = scenario_config("peach", ["contexts.protected_time.intensity=0.0", "contexts.protected_time.schedule=[]"])
    plain = qicsim.QICModel(seed=3, **model_kwargs(config))
    for _ in range(30):
        dashboard.step()
        plain.step()
    assert np.array_equal(dashboard.series.values, plain.series.values)
    assert np.isfinite(dashboard.safety_by_week[:30]).all()
    unchanged = DashboardModel("peach", seed=3, protected_time=0.5)  # PEACH's own value: its config as is
    shipped = qicsim.QICModel(seed=3, **model_kwargs(scenario_config("peach")))
    assert np.array_equal(unchanged.intensity, shipped.intensity)


def test_presets_set_only_the_contexts_they_name_and_the_server_defaults_to_loopback() -> None:
    pytest.importorskip("solara", reason="the dashboard extra")
    from qicsim.apps.cli.dashboard import parser
    from qicsim.apps.dashboard.controls import PRESETS, apply_preset, scenario_intensities

    start = scenario_intensities("peach")
    for preset, named in PRESETS.items():
        after = apply_preset(start, preset)
        assert {k for k in after if after[k] != start[k]} <= set(named)
        assert all(after[k] == v for k, v in named.items())
    assert parser().parse_args([]).host == "127.0.0.1"


def test_qicsim_plot_is_dispatched_before_hydra(cli, tmp_path) -> None:
    done = cli(["plot", "peach:structure.homes_per_site=[2,2]",
                "peach:structure.homes_per_site=[2,2],contexts.learning_events.intensity=0",
                "--replications", "2", "--out", "slide.png"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "slide.png").is_file() and (tmp_path / "slide.json").is_file()
    assert not (tmp_path / "outputs").exists() and not (tmp_path / "results").exists()  # no Hydra run folder
    bad = cli(["plot", "peach", "--outcome", "nope"], cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--outcome" in bad.stderr


def test_the_slide_is_16_9_in_plain_words_with_text_legible_and_inside_it(tmp_path) -> None:
    from matplotlib.text import Text
    from PIL import Image

    from qicsim.apps.slides.conditions import plain_labels
    from qicsim.apps.slides.figure import Curves, slide_figure
    from qicsim.run.runner import simulate

    conditions = [parse_condition("peach:" + ",".join(SMALL)),
                  parse_condition("peach:" + ",".join([*SMALL, "contexts.remit_clarity.intensity=0",
                                                       "contexts.remit_clarity.schedule=[]"]))]
    title, legend = plain_labels(conditions)
    assert legend == ["PEACH unchanged", "C1 remit clarity at 0 throughout"]
    curves = [Curves(label, (r := simulate(scenario_config(c.scenario, [*c.overrides, "run.ensemble=null"], 2, 3)))
                     .weekly, r.mechanisms_weekly) for c, label in zip(conditions, legend, strict=True)]
    # The longest subtitle a slide gets: the rival structures disagree, every structure named.
    from qicsim.apps.slides.structures import split_by_structure

    split = split_by_structure([0.0] * 9, [4, 5, 6, -4, -5, -6, 1, 1, 1],
                               ["candidate_2027"] * 3 + ["selected_2027"] * 3 + ["peach_2026"] * 3)
    fig = slide_figure(curves, title=title, outcome="attendances_care_home", mechanism="ideas_in_scope",
                       support_weeks=20, event_weeks=[0], weeks=24, n_reps=2, ensemble="programmes",
                       note=split.sentence("meeting attendances by care home staff", plain=True))
    fig.savefig(tmp_path / "slide.png", dpi=100)
    with Image.open(tmp_path / "slide.png") as image:
        assert image.size == (1920, 1080)  # 16:9, the whole page
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    words = " ".join(t.get_text() for t in texts).replace("\n", " ")
    assert "_" not in words and "contexts." not in words and "..." not in words  # no config keys, nothing cut
    assert "C1 remit clarity at 0 throughout" in words and "meeting attendances by care home staff" in words
    assert "the rival structures disagree" in words and "candidate 2027" in words
    assert min(t.get_fontsize() for t in texts) * 100 / 72 >= 20  # px at 1920x1080: legible from the back
    drawn = fig.get_tightbbox(renderer)
    assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= 19.21 and drawn.y1 <= 10.81
    boxes = [t.get_window_extent(renderer) for t in texts if t.get_text() in (*legend, fig._suptitle.get_text())]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])  # legend clear of the title


def test_the_subtitle_says_when_each_run_draws_its_structure_too() -> None:
    from qicsim.apps.slides.figure import drawn_together

    assert drawn_together("programmes")  # model-averaged: structure and parameters drawn together
    assert not drawn_together("programmes@selected_2027")  # one structure's rows
    assert not drawn_together("peach")  # fitted under one structure

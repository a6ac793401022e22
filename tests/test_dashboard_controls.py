"""The dashboard's controls and charts without a browser: plans, pending changes, missing weeks."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("solara", reason="the dashboard extra")

from qicsim.apps.dashboard.app import initial_controls, pending_changes, slider_text
from qicsim.apps.dashboard.charts import panel_values
from qicsim.apps.dashboard.controls import apply_preset, scenario_plans
from qicsim.apps.dashboard.live_model import DashboardModel


def c1_at_week(model: DashboardModel, week: int) -> np.ndarray:
    from qicsim.model.contexts import CONTEXT_INDEX

    return model.intensity[CONTEXT_INDEX["remit_clarity"], :, week]


def test_peach_remit_widening_is_a_plan_the_page_names() -> None:
    plans = scenario_plans("peach")
    assert set(plans) == {"remit_clarity"}
    assert "week 13" in plans["remit_clarity"] and "0.9" in plans["remit_clarity"]
    assert scenario_plans("no_contexts") == {}


def test_the_c1_slider_at_its_start_value_follows_the_plan_only_when_asked() -> None:
    start = initial_controls("peach")
    assert start["plans"] == ("remit_clarity",)
    followed = DashboardModel(**start)
    flat = DashboardModel(**{**start, "plans": ()})  # the same slider value, 0.3, meant every week
    assert followed.plans == ("remit_clarity",) and flat.plans == ()
    assert np.allclose(c1_at_week(followed, 0), c1_at_week(flat, 0))
    assert np.allclose(c1_at_week(followed, 20), 0.9) and np.allclose(c1_at_week(flat, 20), 0.3)
    assert "week 13" in slider_text("remit_clarity", 0.3, start["plans"], "peach")
    assert slider_text("remit_clarity", 0.3, (), "peach") == "0.30 in every week"
    with pytest.raises(TypeError, match="plans"):
        DashboardModel("peach", plans=("protected_time",))  # no plan to follow there


def test_a_preset_on_a_planned_context_drops_its_plan() -> None:
    from qicsim.apps.dashboard.controls import PRESETS

    start = {**initial_controls("peach"), "plans": ("protected_time",)}  # as if C4 had a plan
    preset = next(p for p, named in PRESETS.items() if named == {"protected_time": 0.0})
    assert apply_preset(start, preset)["plans"] == ()


def test_pending_changes_name_what_waits_for_reset_and_vanish_after_it() -> None:
    controls = initial_controls("peach")
    model = DashboardModel(**controls)
    assert pending_changes(controls, model) == []
    changed = {**controls, "protected_time": 0.0, "seed": 2}
    said = pending_changes(changed, model)
    assert len(said) == 2 and any("C4" in s and "0.00" in s for s in said) and any("seed" in s for s in said)
    assert pending_changes(changed, DashboardModel(**changed)) == []
    unplanned = {**controls, "plans": ()}
    assert any("C1" in s for s in pending_changes(unplanned, model))


def test_engagement_is_missing_not_zero_in_a_week_with_no_member() -> None:
    from qicsim.model.series import SERIES_INDEX

    model = DashboardModel("peach", seed=1)
    for _ in range(6):
        model.step()
    model.series.values[2, :, SERIES_INDEX["members"]] = 0  # a week in which every team emptied
    engagement = panel_values(model, "protected_time")[3][0]
    assert np.isnan(engagement[2])
    assert np.isfinite(np.delete(engagement, 2)).all() and (np.delete(engagement, 2) > 0).all()


def test_pause_stops_at_the_week_it_is_pressed_in_not_a_frame_later() -> None:
    from qicsim.apps.dashboard.app import play

    class Model:
        running = True
        week = 0

        def step(self) -> None:
            self.week += 1

    model, pressed, shown = Model(), {"at": 7}, []
    play(model, lambda: 13, lambda: model.week < pressed["at"], lambda: shown.append(model.week))
    assert model.week == 7 and shown == [7]  # Pause pressed during week 7 of a 13-week frame: no week 8
    model.week, model.running = 0, True
    play(model, lambda: 5, lambda: True, lambda: setattr(model, "running", model.week < 12) or shown.append(model.week))
    assert shown[1:] == [5, 10, 15]  # playing: whole frames until the model ends


def figure_texts(fig: object) -> list[object]:
    """Every visible, non-empty text of a drawn figure (titles, ticks, legends, labels)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("colour_by", ["engagement", "organisation"])
def test_every_text_of_the_live_figures_is_large_and_inside_its_figure(colour_by: str) -> None:
    from qicsim.apps.dashboard.app import baseline_run
    from qicsim.apps.dashboard.charts import LiveCharts
    from qicsim.apps.dashboard.view import DPI, CollaborativeView

    model = DashboardModel("peach", seed=1)
    for _ in range(60):
        model.step()
    from qicsim.model.contexts import CONTEXT_NAMES

    focuses = CONTEXT_NAMES if colour_by == "engagement" else CONTEXT_NAMES[:1]  # every mechanism's title once
    figures = [CollaborativeView(model, colour_by).fig,
               *(LiveCharts(model, focus, baseline_run("peach", 1)).fig for focus in focuses)]
    for fig in figures:
        texts = figure_texts(fig)
        assert len(texts) > 10
        for text in texts:
            assert text.get_fontsize() * DPI / 72 >= 14, text.get_text()  # 14 px at 1:1, as shown at 1280x720
        drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # everything drawn: titles, ticks, legends
        width, height = fig.get_size_inches()
        assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01, drawn  # inches: nothing cut at the left or bottom
        assert drawn.x1 <= width + 0.01 and drawn.y1 <= height + 0.01, drawn  # nor at the right or top
        assert not any("_" in t.get_text() for t in texts), [t.get_text() for t in texts]  # no config names


def test_charts_keep_their_axes_across_runs_of_a_scenario_and_draw_the_baseline() -> None:
    from qicsim.apps.dashboard.app import baseline_run
    from qicsim.apps.dashboard.charts import LiveCharts

    baseline = baseline_run("peach", 1)
    tops: list[float] = [0.0] * 6
    first = LiveCharts(DashboardModel("peach", seed=1), "protected_time", baseline, tops)
    limits = [ax.get_ylim() for ax in first.axes]
    assert all(top > 0 for i, top in enumerate(tops) if i != 3)  # fixed from the baseline before week 1
    assert all(len(ax.get_lines()) > len(lines) for ax, lines in zip(first.axes, first.lines, strict=True))
    low = DashboardModel("peach", seed=1, protected_time=0.0)
    while low.running:
        low.step()
    second = LiveCharts(low, "protected_time", baseline, tops)
    for i, (before, ax) in enumerate(zip(limits, second.axes, strict=True)):
        assert ax.get_ylim()[1] >= before[1]  # never narrower than an earlier run's: compared on one scale
        if i != 3:
            top = max(float(np.nanmax(line.get_ydata())) for line in second.lines[i])
            assert ax.get_ylim()[1] >= top  # and the run fits


def synthetic(with_end: list[float], without_end: list[float], context: str = "meetings_in_care_homes",
              outcome: str = "improvements implemented") -> object:
    from qicsim.apps.dashboard.compare import Comparison

    def paths(ends: list[float]) -> np.ndarray:
        return np.array([np.linspace(0, end, 5) for end in ends])

    return Comparison(context, outcome, (0.5, 0.0), tuple(range(3, 3 + len(with_end))), paths(with_end),
                      paths(without_end))


def test_a_comparison_counts_the_run_numbers_where_the_lesson_holds_and_flags_the_one_against() -> None:
    comparison = synthetic([9, 12, 14, 11, 10], [11, 8, 9, 9, 10])  # seed 3 against, seed 7 a tie
    assert comparison.holds().tolist() == [False, True, True, True, False]
    assert "in 3 of 5 run numbers (60%)" in comparison.summary()
    assert "11 (9-14)" in comparison.summary() and "9 (8-11)" in comparison.summary()
    note = comparison.against(3)
    assert note is not None and "Run number 3" in note and "9 with" in note and "11 without" in note
    assert comparison.against(4) is None and comparison.against(99) is None
    tie = comparison.against(7)
    assert tie is not None and "no difference" in tie  # a tie does not show the lesson either


def test_the_lesson_follows_the_theorys_direction_for_the_outcome() -> None:
    from qicsim.apps.dashboard.compare import Outcome, expected_sign

    assert expected_sign("prior_partnership", Outcome("mean_weeks_to_first_implementation")) == -1
    assert expected_sign("meetings_in_care_homes", Outcome("implemented")) == 1


def test_compare_runs_both_conditions_on_the_same_run_numbers_through_the_evaluator() -> None:
    from qicsim.apps.dashboard.compare import compare_runs, draw_comparison
    from qicsim.apps.dashboard.live_model import build_kwargs
    from qicsim.run.evaluator import Replication, run_model

    with_it = build_kwargs("peach", {"protected_time": 0.5})
    without = build_kwargs("peach", {"protected_time": 0.0})
    seen = []
    comparison = compare_runs(with_it, without, (1, 2, 3), "protected_time", "attendances by care home staff",
                              (0.5, 0.0), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 6) for i in range(1, 7)]
    assert comparison.with_.shape == comparison.without.shape == (3, 130)
    single = run_model(Replication(2, without))  # the same as one run on its own
    from qicsim.model.series import SERIES_INDEX

    expected = single.series.values[:, :, SERIES_INDEX["attendances_care_home"]].sum(axis=1)
    assert np.array_equal(comparison.without[1], expected)
    fig = draw_comparison(comparison, DashboardModel("peach", seed=1), shown_seed=2)
    for text in figure_texts(fig):
        assert text.get_fontsize() * 100 / 72 >= 14 and "_" not in text.get_text()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())
    width, height = fig.get_size_inches()
    assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= width + 0.01 and drawn.y1 <= height + 0.01


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of linear sRGB."""
    xyz = rgb @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


# Machado, Oliveira and Fernandes (2009), severity 1.0, applied to linear RGB (as colorspacious's cvd_space).
MACHADO = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}


@pytest.mark.parametrize("deficiency", sorted(MACHADO))
def test_the_dashboards_colours_stay_apart_under_simulated_colour_blindness(deficiency: str) -> None:
    from matplotlib.colors import to_rgb

    from qicsim.apps.dashboard.charts import OKABE_ITO
    from qicsim.apps.dashboard.compare import CONDITION_COLOURS
    from qicsim.apps.dashboard.view import ORGANISATION_COLOURS

    def delta_e(a: str, b: str) -> float:
        seen = [linear_to_lab(np.clip(srgb_to_linear(np.array(to_rgb(c))) @ MACHADO[deficiency].T, 0, 1))
                for c in (a, b)]
        return float(np.linalg.norm(seen[0] - seen[1]))

    groups = [OKABE_ITO[:3], CONDITION_COLOURS, ORGANISATION_COLOURS]  # colours that share a chart
    for group in groups:
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                assert delta_e(a, b) > 20, (deficiency, a, b, delta_e(a, b))
    old_sites = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")  # the four site colours compare used to draw
    assert min(delta_e(a, b) for i, a in enumerate(old_sites) for b in old_sites[i + 1:]) <= 20  # the test bites


def test_the_story_of_a_week_says_what_the_weekly_counts_say() -> None:
    from qicsim.apps.dashboard.story import week_story
    from qicsim.model.counters import COUNT_INDEX
    from qicsim.model.series import SERIES_INDEX

    model = DashboardModel("peach", seed=1)
    assert week_story(model).startswith("Before week 1")
    seen = {"event": False, "implemented": False, "left": False, "met": False}
    while model.running:
        model.step()
        story, week = week_story(model), model.week - 1
        assert story.startswith(f"Week {model.week}: ") and "_" not in story
        weekly = model.counts.weekly[week].sum(axis=1)
        if week in model.event_weeks:
            assert "shared learning event" in story
            seen["event"] = True
        if weekly[COUNT_INDEX["meetings_held"]] > 0:
            assert "Met: " in story
            seen["met"] = True
        else:
            assert "No local meeting" in story
        implemented = model.series.values[: model.week, :, SERIES_INDEX["implemented"]].sum(axis=1)
        if model.week > 1 and implemented[-1] > implemented[-2] and week not in model.event_weeks:
            assert "implemented" in story  # second only to an event: always said
            seen["implemented"] = True
        if "left their post" in story:
            assert weekly[COUNT_INDEX["leavers"]] > 0
            seen["left"] = True
        assert len(story) < 370  # read aloud in a breath or two; three lines of the page's 920 px at most
    assert all(seen.values()), seen


def test_each_exercise_is_a_section_of_the_teaching_guide_with_an_outcome_compare_offers() -> None:
    from pathlib import Path

    from qicsim.apps.dashboard.compare import OUTCOMES
    from qicsim.apps.dashboard.exercises import EXERCISES
    from qicsim.model.contexts import BY_NAME

    guide = (Path(__file__).parents[1] / "docs" / "teaching.md").read_text()
    sections = set(re.findall(r"^## (C\d+) ", guide, flags=re.MULTILINE))
    assert len(sections) == 10 and {BY_NAME[e.context].code for e in EXERCISES.values()} == sections
    for title, exercise in EXERCISES.items():
        code = BY_NAME[exercise.context].code
        assert title.startswith(code + " ") and f"\n## {code} " in guide
        assert exercise.outcome in OUTCOMES
        assert "evidence.md, section" in exercise.paper and exercise.question.endswith("?")
    assert "Exercises" in guide  # the guide points to the tab


def test_the_verdict_compares_the_prediction_with_the_medians() -> None:
    from qicsim.apps.dashboard.exercises import verdict

    higher = synthetic([12, 14, 13], [8, 9, 10])
    assert verdict("higher with it", higher) == "The medians came out higher with it: as predicted."
    assert "not as predicted (lower with it)" in verdict("lower with it", higher)
    assert "about the same" in verdict("about the same", synthetic([10, 12, 11], [11, 10, 12]))


def test_every_exercise_asks_about_the_context_present_as_the_predictions_do() -> None:
    from qicsim.apps.dashboard.exercises import EXERCISES

    for exercise in EXERCISES.values():
        assert "With " in exercise.question and "(higher)" in exercise.question and "(lower)" in exercise.question
        assert " not " not in exercise.question  # a question about its absence would turn the answers round

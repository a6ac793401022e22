"""The dashboard's controls and charts without a browser: plans, pending changes, missing weeks."""

from __future__ import annotations

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
    from matplotlib.text import Text

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

"""The dashboard page (Solara, as Mesa's SolaraViz; run it with ``qicsim-dashboard``).

Controls on the left: scenario, seed, Reset (rebuild with the controls' values), Step (one
week), Play/Pause, Run to end, presets and a slider per context C1-C10 with a plain line.
On the right: the collaborative and the live charts, redrawn when the model moves (Mesa's
``update_counter``), and a compare tab. Every browser tab has its own model and controls.

Mesa's stock ``SolaraViz`` page is not used whole: its parameter sliders keep their own state,
so a preset button could not set them, and its Step button steps as many weeks as the render
interval, so a fast Play and a one-week Step could not both be had. The page uses Mesa's
update counter and the same Reset contract (``type(model)(**controls)``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import reacton.ipywidgets as rw
import solara
from mesa.visualization.utils import force_update, update_counter

from qicsim.apps.dashboard.charts import LiveCharts, draw_compare, run_pair
from qicsim.apps.dashboard.controls import (
    PLAIN,
    PRESETS,
    SCENARIOS,
    apply_preset,
    label,
    scenario_intensities,
    scenario_label,
    scenario_plans,
)
from qicsim.apps.dashboard.live_model import DashboardModel, build_kwargs
from qicsim.apps.dashboard.view import CollaborativeView
from qicsim.errors import QicsimError
from qicsim.model.contexts import CONTEXT_NAMES
from qicsim.model.series import SERIES_INDEX

DEFAULT_SEED = 1
WEEKS_PER_FRAME = 5  # while playing, the page is redrawn every this many weeks
FRAME_PAUSE_S = 0.05  # after each frame while playing: time for the browser to show it
FRAME_TIMEOUT_S = 10.0  # longest wait for a frame to be drawn (a closed tab draws nothing)


def initial_controls(scenario: str = "peach", seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The controls at start: a scenario, a seed, its intensities, and its plans followed."""
    return {"scenario_name": scenario, "seed": seed, "plans": tuple(scenario_plans(scenario)),
            **scenario_intensities(scenario)}


def run_controls(model: DashboardModel) -> dict[str, Any]:
    """The controls a model was built with (as :func:`initial_controls` would give them)."""
    base = scenario_intensities(model.scenario_name)
    return {"scenario_name": model.scenario_name, "seed": model.seed, "plans": tuple(model.plans),
            **{n: base[n] if v is None else float(v) for n, v in model.sliders.items()}}


def slider_text(name: str, value: float, plans: tuple[str, ...], scenario: str) -> str:
    """A slider's value in words: one value every week, or the scenario's plan."""
    if name in plans:
        return f"{scenario_plans(scenario)[name]} ({scenario_label(scenario)}'s plan)"
    return f"{value:.2f} in every week"


def pending_changes(controls: dict[str, Any], model: DashboardModel) -> list[str]:
    """The controls changed since the model was built, in words (empty: the page shows what runs)."""
    built = run_controls(model)
    changes = []
    if controls["scenario_name"] != built["scenario_name"]:
        changes.append(f"scenario {scenario_label(controls['scenario_name'])}")
    if int(controls["seed"]) != int(built["seed"]):
        changes.append(f"run number (seed) {controls['seed']}")
    for name in CONTEXT_NAMES:
        now = slider_text(name, float(controls[name]), tuple(controls["plans"]), controls["scenario_name"])
        then = slider_text(name, float(built[name]), tuple(built["plans"]), built["scenario_name"])
        if now != then:
            changes.append(f"{label(name)} {now}")
    return changes


def play(model: DashboardModel, weeks_per_frame: Callable[[], int], playing: Callable[[], bool],
         show: Callable[[], None]) -> None:
    """Step the model frame by frame while ``playing()`` and it runs; ``show()`` after each frame.

    ``playing()`` is asked before every week, so that Pause stops at the week it was pressed in
    (the frame is cut short and shown), not a frame later.
    """
    while playing() and model.running:
        for _ in range(weeks_per_frame()):
            if not playing() or not model.running:
                break
            model.step()
        show()


@solara.component
def RunControls(model: solara.Reactive[DashboardModel], controls: solara.Reactive[dict[str, Any]],
                drawn: threading.Event) -> None:
    """Scenario, seed, Reset, Step, Play/Pause, Run to end, and the week (``drawn``: set when a frame is drawn)."""
    update_counter.get()
    playing = solara.use_reactive(False)
    frame = solara.use_reactive(WEEKS_PER_FRAME)
    error = solara.use_reactive(None)

    def play_loop() -> None:
        # In this worker thread, redraws are scheduled, not made at once: wait until the page has
        # drawn each frame (``drawn``, set by LiveView), or a fast loop would show only the last week.
        def show() -> None:
            drawn.clear()
            force_update()
            drawn.wait(timeout=FRAME_TIMEOUT_S)
            time.sleep(FRAME_PAUSE_S)

        play(model.value, lambda: frame.value, lambda: playing.value, show)
        playing.value = False

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    def set_scenario(name: str) -> None:
        controls.value = initial_controls(name, controls.value["seed"])

    def reset() -> None:
        playing.value = False
        try:
            model.value = DashboardModel(**controls.value)
        except QicsimError as problem:  # e.g. a negative seed: say so, keep the current run
            error.set(str(problem))
            return
        error.set(None)
        force_update()

    def step() -> None:
        model.value.step()
        force_update()

    def run_to_end() -> None:
        playing.value = False
        while model.value.running:
            for _ in range(frame.value):
                model.value.step()
            force_update()

    current = model.value
    solara.Select("scenario", values=list(SCENARIOS.values()), value=scenario_label(controls.value["scenario_name"]),
                  on_value=lambda text: set_scenario(next(k for k, v in SCENARIOS.items() if v == text)),
                  classes=["qic-scenario"])
    solara.InputInt("run number (seed): the same number gives the same run", value=controls.value["seed"],
                    classes=["qic-seed"],
                    on_value=lambda v: controls.set({**controls.value, "seed": int(v or 0)}))
    with solara.Row():
        solara.Button("Reset", on_click=reset, color="primary", classes=["qic-reset"])
        solara.Button("Step", on_click=step, color="primary", disabled=playing.value or not current.running,
                      classes=["qic-step"])
        solara.Button("Pause" if playing.value else "Play", color="primary", classes=["qic-play"],
                      on_click=lambda: playing.set(not playing.value), disabled=not current.running)
        solara.Button("Run to end", on_click=run_to_end, disabled=playing.value or not current.running,
                      classes=["qic-run"])
    solara.SliderInt("weeks per frame while playing", value=frame, min=1, max=13)
    solara.Text(f"Week {current.week} of {current.total_weeks}", classes=["qic-week"],
                style={"font-weight": "bold"})
    changes = pending_changes(controls.value, current)
    if changes:  # say plainly that the charts still show the earlier settings
        solara.Warning(f"Changed, not yet running: {'; '.join(changes)}. Press Reset to run with them.",
                       dense=True, classes=["qic-pending"])
    else:
        solara.Text(f"Running: {scenario_label(current.scenario_name)}, run number (seed) {current.seed}. "
                    "Changes to the controls wait for Reset.", classes=["qic-running"])
    if error.value:
        solara.Error(error.value, classes=["qic-error"])


@solara.component
def ContextControls(controls: solara.Reactive[dict[str, Any]]) -> None:
    """Presets, and one slider per context with a plain explanation."""
    with solara.Row(style={"flex-wrap": "wrap"}):
        for preset in PRESETS:
            solara.Button(preset, small=True, outlined=True, classes=["qic-preset"],
                          on_click=lambda p=preset: controls.set(apply_preset(controls.value, p)))
    values = controls.value
    scenario = values["scenario_name"]
    plans_of = scenario_plans(scenario)
    base = scenario_intensities(scenario)
    for name in CONTEXT_NAMES:
        plans = tuple(values["plans"])

        def moved(v: float, n: str = name) -> None:
            # A moved slider means one value in every week: it no longer follows the scenario's plan.
            controls.set({**controls.value, n: float(v), "plans": tuple(p for p in controls.value["plans"] if p != n)})

        def follow(on: bool, n: str = name) -> None:
            kept = tuple(p for p in controls.value["plans"] if p != n) + ((n,) if on else ())
            controls.set({**controls.value, "plans": kept, **({n: base[n]} if on else {})})

        with solara.Div(classes=["qic-slider", f"qic-slider-{name}"]):
            solara.SliderFloat(f"{label(name)}: {slider_text(name, float(values[name]), plans, scenario)}",
                               value=values[name], min=0.0, max=1.0, step=0.05, on_value=moved)
            if name in plans_of:
                solara.Checkbox(label=f"follow {scenario_label(scenario)}'s plan: {plans_of[name]}",
                                value=name in plans, on_value=follow)
            solara.Text(PLAIN[name], classes=["qic-plain"])


@solara.component
def LiveView(model: solara.Reactive[DashboardModel], focus: solara.Reactive[str], drawn: threading.Event) -> None:
    """The collaborative and the live charts, redrawn when the model moves; sets ``drawn`` when done."""
    update_counter.get()
    colour_by = solara.use_reactive("engagement")
    # Figures built once per model (and colouring, and focus), then updated in place each frame.
    view = solara.use_memo(lambda: CollaborativeView(model.value, colour_by.value), [model.value, colour_by.value])
    charts = solara.use_memo(lambda: LiveCharts(model.value, focus.value), [model.value, focus.value])
    view.update(model.value)
    charts.update(model.value)
    solara.ToggleButtonsSingle(value=colour_by, values=["engagement", "organisation"])
    with solara.Div(classes=["qic-view"]):
        rw.Image(value=view.png(), format="png")
    solara.Select("mechanism panel: context", values=list(CONTEXT_NAMES), value=focus)
    with solara.Div(classes=["qic-charts"]):
        rw.Image(value=charts.png(), format="png")
    drawn.set()


@solara.component
def CompareView(controls: solara.Reactive[dict[str, Any]], focus: solara.Reactive[str]) -> None:
    """The same seed with and without a chosen context, side by side."""
    figure = solara.use_reactive(None)
    summary = solara.use_reactive("")

    def compare() -> None:
        values = controls.value
        context = focus.value
        level = values[context] if values[context] > 0 else 1.0
        scenario = values["scenario_name"]
        sliders = {n: values[n] for n in CONTEXT_NAMES}
        plans = [p for p in values["plans"] if p != context]  # the compared context: one value throughout
        with_it = build_kwargs(scenario, {**sliders, context: level}, plans)
        without = build_kwargs(scenario, {**sliders, context: 0.0}, plans)
        runs = run_pair(with_it, without, int(values["seed"]))
        figure.set(draw_compare(*runs, context, (level, 0.0)))
        totals = [int(model.series.values[-1, :, SERIES_INDEX["implemented"]].sum()) for model in runs]
        summary.set(f"seed {values['seed']}: {context} = {level:g}: {totals[0]} improvements implemented; "
                    f"{context} = 0: {totals[1]}")

    # Plain text, not solara.Markdown: Markdown loads KaTeX, which no installed package bundles (offline: a 404).
    solara.Text("Runs the controls' scenario and seed to the end twice: with the chosen context "
                "(at its slider's value, or 1 if that is 0) and without it (0). The difference is that "
                "context's effect for this seed.")
    solara.Select("context", values=list(CONTEXT_NAMES), value=focus)
    solara.Button("Compare", on_click=compare, color="primary", classes=["qic-compare"])
    if figure.value is not None:
        solara.Text(summary.value, classes=["qic-compare-summary"])
        with solara.Div(classes=["qic-compare-figure"]):
            solara.FigureMatplotlib(figure.value, format="png")


@solara.component
def Page() -> None:
    """The dashboard."""
    controls = solara.use_reactive(solara.use_memo(initial_controls, []))
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(**initial_controls()), []))
    focus = solara.use_reactive("protected_time")
    drawn = solara.use_memo(threading.Event, [])
    solara.Title("qicsim dashboard")
    with solara.AppBar():
        solara.AppBarTitle("qicsim: a quality improvement collaborative, week by week")
    with solara.Sidebar():
        with solara.Card("Run"):
            RunControls(model, controls, drawn)
        with solara.Card("Contexts (C1-C10)"):
            ContextControls(controls)
    with solara.lab.Tabs():
        with solara.lab.Tab("Live"):
            LiveView(model, focus, drawn)
        with solara.lab.Tab("Compare"):
            CompareView(controls, focus)

"""The dashboard page (Solara, as Mesa's SolaraViz; run it with ``qicsim-dashboard``).

Controls on the left (sticky, so Reset and the run buttons stay in view): scenario, run number
(seed), Reset (rebuild with the controls' values; until then the page lists what changed),
Step (one week), Play/Pause, Run to end, presets and a slider per context C1-C10 with its
value, a plain line, and a "follow the scenario's plan" switch where the scenario has one;
export buttons. On the right, in tabs: Live (the story of the week, the collaborative and the
live charts over a faint baseline, redrawn when the model moves: Mesa's ``update_counter``),
Compare (a context with and without over 10-20 run numbers), Exercises and About. A presenter
view hides the sidebar. The layout is for a 1280x720 projector (the CSS below). Every browser
tab has its own model and controls.

Mesa's stock ``SolaraViz`` page is not used whole: its parameter sliders keep their own state,
so a preset button could not set them, and its Step button steps as many weeks as the render
interval, so a fast Play and a one-week Step could not both be had. The page uses Mesa's
update counter and the same Reset contract (``type(model)(**controls)``).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import reacton.ipywidgets as rw
import solara
from mesa.visualization.utils import force_update, update_counter

from qicsim.apps.dashboard.charts import LiveCharts
from qicsim.apps.dashboard.compare import OUTCOMES, SEED_COUNTS, Comparison, compare_runs, draw_comparison
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
from qicsim.apps.dashboard.exercises import EXERCISES, PREDICTIONS, verdict
from qicsim.apps.dashboard.live_model import DashboardModel, build_kwargs
from qicsim.apps.dashboard.story import week_story
from qicsim.apps.dashboard.view import CollaborativeView
from qicsim.errors import QicsimError
from qicsim.model.contexts import BY_NAME, CONTEXT_NAMES

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


class Player:
    """A page's Play state: whether it plays, weeks per frame, and when the last frame was drawn.

    Kept by the page (not by the run controls) so that Play goes on when the presenter view hides the sidebar.
    """

    def __init__(self, model: solara.Reactive[DashboardModel]) -> None:
        self.model = model
        self.playing = solara.use_reactive(False)
        self.frame = solara.use_reactive(WEEKS_PER_FRAME)
        self.drawn = solara.use_memo(threading.Event, [])

        def play_loop() -> None:
            # In this worker thread, redraws are scheduled, not made at once: wait until the page has
            # drawn each frame (``drawn``, set by LiveView), or a fast loop would show only the last week.
            def show() -> None:
                self.drawn.clear()
                force_update()
                self.drawn.wait(timeout=FRAME_TIMEOUT_S)
                time.sleep(FRAME_PAUSE_S)

            play(self.model.value, lambda: self.frame.value, lambda: self.playing.value, show)
            self.playing.value = False

        solara.lab.use_task(play_loop, dependencies=[self.playing.value], prefer_threaded=True)


@solara.component
def RunButtons(model: solara.Reactive[DashboardModel], controls: solara.Reactive[dict[str, Any]],
               player: Player, error: solara.Reactive[str | None]) -> None:
    """Reset, Step, Play/Pause, Run to end, and the week."""
    update_counter.get()
    playing = player.playing

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
            for _ in range(player.frame.value):
                model.value.step()
            force_update()

    current = model.value
    with solara.Row(classes=["qic-buttons"], style={"flex-wrap": "wrap", "gap": "6px", "align-items": "center"}):
        solara.Button("Reset", on_click=reset, color="primary", classes=["qic-reset"])
        solara.Button("Step", on_click=step, color="primary", disabled=playing.value or not current.running,
                      classes=["qic-step"])
        solara.Button("Pause" if playing.value else "Play", color="primary", classes=["qic-play"],
                      on_click=lambda: playing.set(not playing.value), disabled=not current.running)
        solara.Button("Run to end", on_click=run_to_end, disabled=playing.value or not current.running,
                      classes=["qic-run"])
        solara.Text(f"Week {current.week} of {current.total_weeks}", classes=["qic-week"],
                    style={"font-weight": "bold"})


@solara.component
def RunControls(model: solara.Reactive[DashboardModel], controls: solara.Reactive[dict[str, Any]],
                player: Player) -> None:
    """Scenario, run number, the run buttons, and what is running or waits for Reset."""
    update_counter.get()
    error = solara.use_reactive(None)

    def set_scenario(name: str) -> None:
        controls.value = initial_controls(name, controls.value["seed"])

    current = model.value
    with solara.Row(style={"gap": "8px"}):
        solara.Select("scenario", values=list(SCENARIOS.values()),
                      value=scenario_label(controls.value["scenario_name"]),
                      on_value=lambda text: set_scenario(next(k for k, v in SCENARIOS.items() if v == text)),
                      classes=["qic-scenario"], style={"flex": "3"})
        solara.InputInt("run number", value=controls.value["seed"], classes=["qic-seed"], style={"flex": "1"},
                        on_value=lambda v: controls.set({**controls.value, "seed": int(v or 0)}))
    RunButtons(model, controls, player, error)
    changes = pending_changes(controls.value, current)
    if changes:  # say plainly that the charts still show the earlier settings
        solara.Warning(f"Changed, not yet running: {'; '.join(changes)}. Press Reset to run with them.",
                       dense=True, classes=["qic-pending"])
    else:
        solara.Text(f"Running: {scenario_label(current.scenario_name)}, run number {current.seed} (the same "
                    "number gives the same run). Changes to the controls wait for Reset.", classes=["qic-running"])
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
            # The label and value above the slider (beside it, a long label squeezed the slider to nothing).
            solara.Text(f"{label(name)}: {slider_text(name, float(values[name]), plans, scenario)}",
                        classes=["qic-slider-label"])
            solara.SliderFloat(BY_NAME[name].code, value=values[name], min=0.0, max=1.0, step=0.05, on_value=moved)
            if name in plans_of:
                solara.Checkbox(label=f"follow {scenario_label(scenario)}'s plan: {plans_of[name]}",
                                value=name in plans, on_value=follow)
            solara.Text(PLAIN[name], classes=["qic-plain"])
            info = BY_NAME[name]
            if info.kind == "hindering":  # C10: the evidence names the hindrance; the slider is its remedy
                hindrance = info.evidence.context.removeprefix("(negative) ")
                solara.Text(f"In the evidence {info.code} is a hindering context ({hindrance}); this slider is "
                            "its remedy.", classes=["qic-plain", "qic-hindering"])


NO_BASELINE = "no baseline"
ABOUT = (
    "What it is: qicsim is an agent-based model of a quality improvement collaborative between NHS staff and "
    "care homes, built from the PEACH study's programme theory: staff, homes and the ties between them change "
    "week by week, and each of ten contexts (C1-C10) acts through its own mechanism. "
    "What it is not: a forecast of what a real collaborative will achieve; it compares scenarios and shows "
    "mechanisms, and a run number is one possible collaborative, not the real one. "
    "Its record: its defaults were set by hand so that PEACH reproduces the study's patterns (calibration, "
    "not validation); against published observations kept out of that calibration, most checks on PEACH, a "
    "Breakthrough Series and SPACE pass while PROSPER's fail, and several checks are related to the patterns "
    "it was tuned to, so they are weak evidence (README, Validation; docs/validation.md). "
    "C10 is in the evidence a hindering context, heavy workload and little routine data in care homes; its "
    "slider is the remedy, funded data support, which PEACH did not have.")
"""The About tab's text."""


@functools.lru_cache(maxsize=8)
def baseline_run(scenario: str, seed: int) -> DashboardModel:
    """A scenario as shipped, run to the end on a run number: the faint lines under the current run."""
    model = DashboardModel(scenario, seed)
    while model.running:
        model.step()
    return model


@solara.component
def LiveView(model: solara.Reactive[DashboardModel], focus: solara.Reactive[str], player: Player,
             figures: dict[str, Any] | None = None) -> None:
    """The collaborative and the live charts side by side, redrawn when the model moves; sets ``drawn`` when done."""
    update_counter.get()
    colour_by = solara.use_reactive("engagement")
    baseline_name = solara.use_reactive(scenario_label("peach"))
    tops = solara.use_memo(dict, [])  # per scenario, baseline and focus: the axes stay fixed across runs
    current = model.value
    baseline_key = next((k for k, v in SCENARIOS.items() if v == baseline_name.value), None)
    baseline = baseline_run(baseline_key, int(current.seed)) if baseline_key else None
    key = (current.scenario_name, baseline_key, focus.value)
    # Figures built once per model (and colouring, focus and baseline), then updated in place each frame.
    view = solara.use_memo(lambda: CollaborativeView(current, colour_by.value), [current, colour_by.value])
    charts = solara.use_memo(lambda: LiveCharts(current, focus.value, baseline, tops.setdefault(key, [0.0] * 6)),
                             [current, focus.value, baseline_key])
    view.update(current)
    charts.update(current)
    if figures is not None:
        figures.update(view=view, charts=charts)
    with solara.Row(classes=["qic-live-options"], style={"gap": "12px", "align-items": "center"}):
        solara.ToggleButtonsSingle(value=colour_by, values=["engagement", "organisation"], dense=True)
        solara.Select("last chart: mechanism of", values=[label(n) for n in CONTEXT_NAMES], dense=True,
                      value=label(focus.value), classes=["qic-focus"], style={"max-width": "230px"},
                      on_value=lambda text: focus.set(next(n for n in CONTEXT_NAMES if label(n) == text)))
        solara.Select("faint lines: baseline", values=[NO_BASELINE, *SCENARIOS.values()], value=baseline_name,
                      dense=True, classes=["qic-baseline"], style={"max-width": "260px"})
    solara.Text(week_story(current), classes=["qic-story"])
    with solara.Div(classes=["qic-live"]):
        with solara.Div(classes=["qic-view-col"]):
            with solara.Div(classes=["qic-view"]):
                rw.Image(value=view.png(), format="png")
            solara.Text("Ring: team member. Green square: protected time used. Red star: champion. Red box: "
                        "meeting host. Brown lines: NHS-care home ties. Number: improvements in place.",
                        classes=["qic-key"])
        with solara.Div(classes=["qic-charts-col"]):
            with solara.Div(classes=["qic-charts"]):
                rw.Image(value=charts.png(), format="png")
            solara.Text(baseline_legend(current, baseline), classes=["qic-legend"])
    player.drawn.set()


def baseline_legend(model: DashboardModel, baseline: DashboardModel | None) -> str:
    """The charts' legend of conditions, in plain words."""
    this = f"Solid lines: this run ({scenario_label(model.scenario_name)}, run number {model.seed})."
    if baseline is None:
        return this + " Dotted lines: the end of support and the learning events."
    return (f"{this} Faint dashed lines: {scenario_label(baseline.scenario_name)} as shipped, same run number, "
            "to the end. Dotted: the end of support and the learning events.")


def run_comparison(values: dict[str, Any], context: str, outcome: str, count: int,
                   progress: Callable[[tuple[int, int]], None]) -> tuple[Comparison, Any, int]:
    """A context with and without on ``count`` run numbers from the controls' (scenario, sliders, plans).

    The context is at its slider's value, or 1 if that is 0, against 0, one value throughout.
    Returns the comparison, its figure, and the live view's run number.
    """
    level = values[context] if values[context] > 0 else 1.0
    scenario = values["scenario_name"]
    sliders = {n: values[n] for n in CONTEXT_NAMES}
    plans = [p for p in values["plans"] if p != context]  # the compared context: one value throughout
    with_it = build_kwargs(scenario, {**sliders, context: level}, plans)
    without = build_kwargs(scenario, {**sliders, context: 0.0}, plans)
    seed = int(values["seed"])
    seeds = tuple(range(seed, seed + count))  # the live view's run number and the next ones
    comparison = compare_runs(with_it, without, seeds, context, outcome, (level, 0.0),
                              progress=lambda done, total: progress((done, total)))
    return comparison, draw_comparison(comparison, baseline_run(scenario, seed), seed), seed


@solara.component
def Progress(progress: solara.Reactive[tuple[int, int]], expected: int) -> None:
    """A progress bar and "n of m runs done"."""
    done, total = progress.value
    solara.ProgressLinear(100 * done / total if total else True, classes=["qic-compare-progress"])
    solara.Text(f"{done} of {total or expected} runs done", classes=["qic-plain"])


@solara.component
def ExercisesView(controls: solara.Reactive[dict[str, Any]]) -> None:
    """docs/teaching.md's recipes as exercises: a question, the class's prediction, the runs, an explanation."""
    title = solara.use_reactive(next(iter(EXERCISES)))
    prediction = solara.use_reactive(None)
    progress = solara.use_reactive((0, 0))
    result = solara.use_reactive(None)
    asked = solara.use_reactive(0)
    exercise = EXERCISES[title.value]

    def run() -> None:
        if asked.value == 0:
            return
        result.set((title.value, run_comparison(controls.value, exercise.context, exercise.outcome, SEED_COUNTS[0],
                                                progress.set)))

    task = solara.lab.use_task(run, dependencies=[asked.value], prefer_threaded=True)

    def choose(text: str) -> None:
        title.set(text)
        prediction.set(None)
        result.set(None)

    solara.Select("exercise", values=list(EXERCISES), value=title.value, on_value=choose,
                  classes=["qic-exercise"], style={"max-width": "420px"})
    solara.Text(f"1. Question: {exercise.question}", classes=["qic-question"])
    solara.Text("2. Predict (or take a show of hands), then run:", classes=["qic-plain"])
    with solara.Row(style={"gap": "12px", "align-items": "center"}):
        solara.ToggleButtonsSingle(value=prediction.value, values=list(PREDICTIONS), on_value=prediction.set,
                                   mandatory=False, classes=["qic-prediction"])
        solara.Button("Run it (10 run numbers)", color="primary", classes=["qic-exercise-run"],
                      disabled=prediction.value is None or task.pending,
                      on_click=lambda: asked.set(asked.value + 1))
    if task.pending:
        Progress(progress, 2 * SEED_COUNTS[0])
    done = result.value if result.value is not None and result.value[0] == title.value else None
    if done is not None and not task.pending:
        comparison, figure, _seed = done[1]
        solara.Text(f"3. {verdict(prediction.value, comparison)} {comparison.summary()}",
                    classes=["qic-exercise-result"])
        solara.Text(f"4. Why: {exercise.explanation} The paper: {exercise.paper}", classes=["qic-explanation"])
        with solara.Div(classes=["qic-compare-figure"]):
            solara.FigureMatplotlib(figure, format="png")


def weekly_csv(model: DashboardModel) -> str:
    """The run's weekly series so far as CSV: the command line's weekly table (seed, week, site, measure, value)."""
    from qicsim.run.runner import weekly_table

    table = weekly_table(model, {"seed": int(model.seed)})
    return table[table["week"] < model.week].to_csv(index=False)


def export_name(model: DashboardModel, what: str, extension: str) -> str:
    """``qicsim_peach_run1_week57_charts.png``: what was exported, of which run, at which week."""
    return f"qicsim_{model.scenario_name}_run{model.seed}_week{model.week}_{what}.{extension}"


@solara.component
def Export(model: solara.Reactive[DashboardModel], figures: dict[str, Any]) -> None:
    """Download the charts or the view as shown (PNG), and the run's weekly table so far (CSV)."""
    update_counter.get()
    current = model.value
    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px"}):
        for what in ("charts", "view"):
            solara.FileDownload(lambda w=what: figures[w].png() if w in figures else b"",
                                filename=export_name(current, what, "png"), label=f"{what} as PNG",
                                mime_type="image/png", children=[
                                    solara.Button(f"{what} (PNG)", small=True, outlined=True,
                                                  classes=[f"qic-export-{what}"])])
        solara.FileDownload(lambda: weekly_csv(model.value), filename=export_name(current, "weekly", "csv"),
                            mime_type="text/csv", children=[
                                solara.Button("weekly table (CSV)", small=True, outlined=True,
                                              classes=["qic-export-csv"])])


@solara.component
def AboutView() -> None:
    """What the model is, what it is not, and its validation record, in a few sentences."""
    solara.Text(ABOUT, classes=["qic-about"])


@solara.component
def CompareView(controls: solara.Reactive[dict[str, Any]], focus: solara.Reactive[str]) -> None:
    """A context with and without, over 10-20 run numbers: median and range, and the share where the lesson holds."""
    outcome = solara.use_reactive("improvements implemented")
    count = solara.use_reactive(str(SEED_COUNTS[0]))
    progress = solara.use_reactive((0, 0))
    result = solara.use_reactive(None)  # (comparison, figure, shown seed)
    asked = solara.use_reactive(0)

    def compare() -> None:
        if asked.value == 0:
            return
        result.set(run_comparison(controls.value, focus.value, outcome.value, int(count.value), progress.set))

    task = solara.lab.use_task(compare, dependencies=[asked.value], prefer_threaded=True)
    # Plain text, not solara.Markdown: Markdown loads KaTeX, which no installed package bundles (offline: a 404).
    solara.Text("Runs the controls' scenario to the end with the chosen context (at its slider's value, or 1 if "
                "that is 0) and without it (0), on the same run numbers: the live view's and the next ones. "
                "Each run number is one possible collaborative; the band is the range over them.",
                classes=["qic-plain"])
    with solara.Row(style={"gap": "12px", "align-items": "center", "flex-wrap": "wrap"}):
        solara.Select("context", values=[label(n) for n in CONTEXT_NAMES], value=label(focus.value),
                      on_value=lambda text: focus.set(next(n for n in CONTEXT_NAMES if label(n) == text)),
                      classes=["qic-compare-context"], style={"max-width": "240px"})
        solara.Select("outcome", values=list(OUTCOMES), value=outcome, classes=["qic-compare-outcome"],
                      style={"max-width": "260px"})
        solara.Select("run numbers", values=[str(n) for n in SEED_COUNTS], value=count,
                      classes=["qic-compare-count"], style={"max-width": "120px"})
        solara.Button("Compare", on_click=lambda: asked.set(asked.value + 1), color="primary",
                      classes=["qic-compare"], disabled=task.pending)
    if task.pending:
        Progress(progress, 2 * int(count.value))
    elif task.error:
        solara.Error(str(task.exception), classes=["qic-error"])
    if result.value is not None and not task.pending:
        comparison, figure, seed = result.value
        solara.Text(comparison.summary(), classes=["qic-compare-summary"])
        note = comparison.against(seed)
        if note:
            solara.Warning(note, dense=True, classes=["qic-compare-against"])
        with solara.Div(classes=["qic-compare-figure"]):
            solara.FigureMatplotlib(figure, format="png")


@solara.component_vue(str(Path(__file__).with_name("accessibility.vue")))
def AccessibilityFixes() -> None:
    """Sets what the widgets leave unsaid for assistive technology (accessibility.vue)."""


CSS = """
/* A projector at 1280x720: no page scroll, text at least 14 px, Reset and the run buttons always in view. */
/* Vuetify's primary blue, #1c78d3, has 4.49:1 against white, under WCAG's 4.5:1: a darker blue. */
.v-application .primary { background-color: #1565c0 !important; border-color: #1565c0 !important; }
.v-application .primary--text { color: #1565c0 !important; caret-color: #1565c0 !important; }
/* The menu button toggles the sidebar; Presenter view does that in words. */
.v-application .v-app-bar__nav-icon { display: none; }
.v-application { font-size: 15px; }
.v-application .v-label, .v-application .v-messages, .v-application .v-select__selection,
.v-application .v-btn, .v-application input, .v-application .v-slider__thumb-label,
.v-application .v-alert, .v-application .v-tab, .v-application .v-list-item__title,
.v-application .v-input--selection-controls .v-label { font-size: 14px !important; }
.v-application .v-card__title { font-size: 17px; padding: 6px 10px; }
.v-application .v-card__text { padding: 4px 10px; }
.v-application header.v-app-bar { height: 48px !important; }
.v-application header.v-app-bar .v-toolbar__content { height: 48px !important; }
.v-application header.v-app-bar .v-toolbar__title { font-size: 17px; }
.v-application nav.v-navigation-drawer { width: 340px !important; min-width: 340px !important;
  max-width: 340px !important; top: 48px !important;
  max-height: calc(100% - 48px) !important; }
.v-application main.v-content { padding: 48px 0 0 340px !important; }
.v-application main.v-content .v-content__wrap > div { padding: 0 !important; }
.solara-autorouter-content { padding: 4px 10px !important; }
/* Solara's columns put 12 px between children, hidden ones (the page's style and title) included. */
.solara-autorouter-content .v-sheet.d-flex[style*="column"] { row-gap: 4px !important; }
/* The sidebar's inner box had the drawer's height, so the sticky run box left with it once scrolled. */
.v-navigation-drawer__content > div { height: auto !important; min-height: 100%; }
/* Browser zoom of 150% at 1280x720 leaves 853 CSS pixels: a narrower sidebar leaves the figures room. */
@media (max-width: 1000px) {
  .v-application nav.v-navigation-drawer { width: 260px !important; min-width: 260px !important;
    max-width: 260px !important; }
  .v-application main.v-content { padding-left: 260px !important; }
  .qic-view img, .qic-charts img { max-height: calc(100vh - 312px) !important; }
  .qic-key { display: none !important; }  /* the key to the marks: in the README and docs/teaching.md */
}
.qic-runbox { position: sticky; top: 0; z-index: 5; background: white; padding-bottom: 4px;
  box-shadow: 0 2px 4px rgba(0,0,0,0.15); }
.qic-plain { font-size: 14px; color: #444; line-height: 1.25; }
.qic-slider .v-input__slot { margin-bottom: 0; }
.qic-slider { margin-bottom: 6px; }
.qic-live { display: flex; gap: 10px; align-items: flex-start; margin-top: 2px; }
.qic-view-col { flex: 400 1 0; min-width: 0; }
.qic-charts-col { flex: 510 1 0; min-width: 0; }
.qic-view img, .qic-charts img, .qic-compare-figure img { width: 100%; height: auto; display: block; }
/* Wide but short windows: the figures stop growing at the window's height (kept whole, not cropped). */
.qic-view img, .qic-charts img { max-height: calc(100vh - 294px); object-fit: contain; object-position: top left; }
.qic-summary, .qic-slider-label, .qic-compare-summary { font-weight: bold; }
.qic-compare-summary, .qic-question, .qic-exercise-result, .qic-explanation, .qic-about { display: block;
  font-size: 15px; margin: 4px 0; }
.qic-question, .qic-exercise-result { font-weight: bold; }
.qic-slider-label { display: block; font-size: 14px; margin-top: 4px; }
/* The story of the week has room for three lines, always: the figures below do not move from week to week. */
.qic-story { display: block; font-size: 15px; line-height: 20px; height: 60px; overflow: hidden; margin: 2px 0; }
.qic-key, .qic-legend, .qic-running, .qic-summary { font-size: 14px; line-height: 1.3; display: block; }
.qic-key, .qic-legend { color: #444; }
.qic-live-options .v-input { margin-top: 0; padding-top: 0; }
.v-application .v-tabs { height: 36px; }
.v-application .v-tabs .v-tabs-bar { height: 36px; }
"""

PRESENTER_CSS = """
.v-application main.v-content { padding-left: 0 !important; }
.qic-live-options { display: none !important; }
"""


@solara.component
def Page() -> None:
    """The dashboard."""
    controls = solara.use_reactive(solara.use_memo(initial_controls, []))
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(**initial_controls()), []))
    focus = solara.use_reactive("protected_time")
    presenter = solara.use_reactive(False)
    player = Player(model)
    error = solara.use_reactive(None)
    figures = solara.use_memo(dict, [])  # the live view's current figures, for export
    solara.Title("qicsim dashboard")
    solara.Style(CSS + (PRESENTER_CSS if presenter.value else ""))
    AccessibilityFixes()
    with solara.AppBar():
        solara.AppBarTitle("qicsim: a quality improvement collaborative, week by week")
        solara.Button("Leave presenter view" if presenter.value else "Presenter view", text=True,
                      classes=["qic-presenter"], on_click=lambda: presenter.set(not presenter.value),
                      style={"color": "white"})
    if not presenter.value:
        with solara.Sidebar():
            with solara.Div(classes=["qic-runbox"]), solara.Card("Run"):
                RunControls(model, controls, player)
            with solara.Card("Contexts C1-C10"):
                solara.Text("0: absent, 1: fully present. Changes wait for Reset.", classes=["qic-plain"])
                ContextControls(controls)
            with solara.Card("Playing and export"):
                solara.SliderInt("weeks shown per frame while playing", value=player.frame, min=1, max=13)
                Export(model, figures)
                solara.Text("Built with Mesa and Solara.", classes=["qic-plain"])
    with solara.Div(classes=["qic-main"]):
        if presenter.value:  # the sidebar is hidden: the run buttons above the charts
            RunButtons(model, controls, player, error)
        with solara.lab.Tabs():
            with solara.lab.Tab("Live"):
                LiveView(model, focus, player, figures)
            with solara.lab.Tab("Compare"):
                CompareView(controls, focus)
            with solara.lab.Tab("Exercises"):
                ExercisesView(controls)
            with solara.lab.Tab("About"):
                AboutView()

"""The fault suite (issue 24): every console script, given a fault, ends with one line, its exit code and no result.

One table (:data:`FAULTS`), one row a fault: a console script run as a child process in a fresh
folder, with bad input, a signal while it runs (Ctrl-C to its process group, as a terminal
sends it, or SIGTERM to it alone, as ``kill`` does), or too little memory (``ulimit -v``).
Every row must end the same way:

* the exit code: 2 bad input (a run too big for the memory included), 130 Ctrl-C, 143 SIGTERM;
* at most one line on stderr, and no traceback;
* nothing left that looks complete: no new table, figure, report, ``provenance.json`` or
  ``dataset.json``, and no ``.parts`` (a run's partial tables);
* nothing earlier changed: a finished-looking result made before the command is the same after.

Items 7-9 of the issue have rows here; items 1-6, where cheap, too (``tests/test_integrity.py``
has their in-process table). A killed sweep's workers are checked by the tests after the table.
Every test here starts child processes: slow, as the project marks those (tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # child processes, as every console-script test (tests/conftest.py)

BIN = Path(sys.executable).parent
SMALL = ("structure.homes_per_site=[3,3]", "run.replications=1", "run.figure=false")
LONG_RUN = ("run.replications=5000", "structure.homes_per_site=[3,3]")  # minutes: never done before the signal
HUGE_WORLD = "structure.homes_per_site=[" + ",".join(["100"] * 1000) + "]"  # 100,000 homes in 1,000 sites
# What a command may not leave behind when it fails: what a finished command writes.
COMPLETE_NAMES = {"provenance.json", "dataset.json", "ensemble.json"}
COMPLETE_SUFFIXES = {".csv", ".parquet", ".png", ".md", ".html", ".xlsx"}
EARLIER = ("earlier/provenance.json", "earlier/weekly.csv", "earlier/figure.png")
# The sweeps' plan is written before their jobs run, and a calibration's record is how it resumes.
SWEEP_PLAN = ("design.csv", "design.json")
IMPORT_HOOK = '''"""Test hook: send this process a signal while it imports a module (PYTHONPATH's sitecustomize)."""
import importlib.abc, os, signal, sys


class SignalOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == os.environ.get("QICSIM_TEST_SIGNAL_AT"):
            sys.meta_path.remove(self)
            os.kill(os.getpid(), getattr(signal, os.environ["QICSIM_TEST_SIGNAL"]))
        return None


sys.meta_path.insert(0, SignalOnImport())
'''


@dataclass(frozen=True)
class Stop:
    """A signal sent while the command runs.

    Attributes:
        signum: The signal.
        after: Seconds to wait, counted from when ``ready`` appears (or from the start).
        ready: A glob under the command's folder that shows it is at work (e.g. a run's ``.parts``).
        group: Send it to the command's process group (a terminal's Ctrl-C), else to the command alone.
    """

    signum: int
    after: float = 0.0
    ready: str | None = None
    group: bool = True


def ctrl_c(after: float = 0.0, ready: str | None = None) -> Stop:
    """Ctrl-C: SIGINT to the process group."""
    return Stop(signal.SIGINT, after, ready)


def sigterm(after: float = 0.0, ready: str | None = None) -> Stop:
    """``kill <pid>``: SIGTERM to the command alone."""
    return Stop(signal.SIGTERM, after, ready, group=False)


@dataclass(frozen=True)
class Fault:
    """A fault a command must survive with one line.

    Attributes:
        name: The test's id.
        program: The console script.
        argv: Its arguments; ``{tmp}`` is the command's folder.
        code: The exit code.
        line: A pattern the one stderr line must match (``re.search``; ``{tmp}`` substituted).
        setup: Makes what the command needs in its folder first.
        stop: A signal sent while it runs.
        env: Environment variables added (``{tmp}`` substituted).
        memory_mb: ``ulimit -v`` of the command, in MB.
        may_leave: Globs of new files that do not look complete (a sweep's plan).
    """

    name: str
    program: str
    argv: tuple[str, ...]
    code: int
    line: str = ""
    setup: Callable[[Path], object] | None = None
    stop: Stop | None = None
    env: dict[str, str] = field(default_factory=dict)
    memory_mb: int | None = None
    may_leave: tuple[str, ...] = ()


# --- set-ups -----------------------------------------------------------------------------------------


def scenario(name: str, body: bytes) -> Callable[[Path], None]:
    """A scenario file of the user's, ``mine/scenario/<name>.yaml``, on the search path with :data:`SEARCH`."""

    def make(tmp: Path) -> None:
        (tmp / "mine" / "scenario").mkdir(parents=True, exist_ok=True)
        (tmp / "mine" / "scenario" / f"{name}.yaml").write_bytes(b"# @package _global_\n" + body)

    return make


SEARCH = "hydra.searchpath=[file://{tmp}/mine]"


def both(*makes: Callable[[Path], object]) -> Callable[[Path], None]:
    """Several set-ups, in order."""
    return lambda tmp: [make(tmp) for make in makes] and None


def import_hook(tmp: Path) -> None:
    """The sitecustomize that signals the command during an import (``QICSIM_TEST_SIGNAL_AT``)."""
    (tmp / "hook").mkdir()
    (tmp / "hook" / "sitecustomize.py").write_text(IMPORT_HOOK)


def signal_at(module: str, signum: str) -> dict[str, str]:
    """The environment that makes :func:`import_hook` send ``signum`` when ``module`` is first imported."""
    return {"PYTHONPATH": "{tmp}/hook", "QICSIM_TEST_SIGNAL_AT": module, "QICSIM_TEST_SIGNAL": signum}


def a_file(name: str) -> Callable[[Path], None]:
    """A plain file where a folder is expected."""
    return lambda tmp: (tmp / name).write_text("a file, not a folder\n") and None


def read_only(name: str) -> Callable[[Path], None]:
    """A read-only folder (skipped where the tests run as root, for whom chmod does not bite)."""

    def make(tmp: Path) -> None:
        (tmp / name).mkdir()
        (tmp / name).chmod(0o555)
        if os.access(tmp / name, os.W_OK):
            pytest.skip("running as root: a read-only folder is writable")

    return make


def small_sweep(tmp: Path) -> None:
    """A synthetic factorial sweep (dataset and manifest) to analyse, in ``sweep/``."""
    from helpers.analysis import factorial, write_sweep
    from test_analysis_cli import outcomes

    data, design = factorial(outcomes, codes=("C1", "C4"), replications=3)
    write_sweep(tmp / "sweep", data, design)


def hand_edited_manifest(tmp: Path) -> None:
    """A sweep folder whose design.json was edited by hand (no jobs)."""
    (tmp / "sweep").mkdir()
    (tmp / "sweep" / "design.json").write_text(json.dumps(
        {"format": "qicsim-sweep/1", "name": "x", "design": "factorial", "fingerprint": "0" * 64, "factors": [],
         "points": 4, "replications": 2, "jobs": 0, "master_seed": 1}))


def ensemble_with_nan(tmp: Path) -> None:
    """An ensemble CSV with a missing value."""
    (tmp / "nan.csv").write_text("slack_use,weight\n0.5,0.5\nnan,0.5\n")


def earlier_plot(tmp: Path) -> None:
    """A figure made earlier where the command would write its own."""
    (tmp / "plot.png").write_text("made earlier\n")


def earlier(tmp: Path) -> None:
    """A result made before the command, in ``earlier/``: it must be the same afterwards."""
    for name in EARLIER:
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(f"{name}, made before the command\n")


# --- the table ---------------------------------------------------------------------------------------

QUICK_COMPARE = ("--ensemble", "none", "--homes", "6", "--weeks", "20")
QUICK_PLOT = ("--replications", "1", "--ensemble", "none", "--out", "{tmp}/plot.png")
CALIBRATION = ("peach", "population=40", "replications=1", "n_procs=2", "predictive_particles=1",
               "predictive_replications=1", 'overrides=["structure.homes_per_site=[3,3]"]', "--results-dir",
               "{tmp}/calibration", "--quiet")
SWEEP = ("experiment=context_factorial", "sweep.only=[protected_time,alignment,qi_coaching]", "sweep.jobs=2",
         "sweep.analyse=false", "structure.homes_per_site=[3,3]")
RUN_AT_WORK = "results/*/*/.parts"  # a run has started its replications
SWEEP_AT_WORK = "results/sweeps/*/jobs/*/.hydra"  # a sweep's jobs have started

FAULTS = [
    # --- item 7: faults that were tracebacks
    Fault("scenario_not_utf8", "qicsim", (SEARCH, "scenario=latin", *SMALL), 2, r"latin.yaml: not UTF-8 text",
          setup=scenario("latin", b"scenario: latin\ndescription: caf\xe9\n")),
    Fault("scenario_defaults_itself", "qicsim", (SEARCH, "scenario=self", *SMALL), 2,
          r"self.yaml: defaults: names itself again \(scenario/self -> scenario/self\)",
          setup=scenario("self", b"defaults:\n  - self\n  - _self_\nscenario: self\n")),
    Fault("scenario_defaults_itself_absolute", "qicsim", (SEARCH, "scenario=selfg", *SMALL), 2,
          r"selfg.yaml: defaults: names itself again",
          setup=scenario("selfg", b"defaults:\n  - /scenario/selfg\nscenario: selfg\n")),
    Fault("scenarios_default_each_other", "qicsim", (SEARCH, "scenario=ping", *SMALL), 2,
          r"defaults: names itself again \(scenario/ping -> scenario/pong -> scenario/ping\)",
          setup=both(scenario("ping", b"defaults:\n  - pong\nscenario: ping\n"),
                     scenario("pong", b"defaults:\n  - ping\nscenario: pong\n"))),
    Fault("scenario_defaults_a_file_not_utf8", "qicsim", (SEARCH, "scenario=outer", *SMALL), 2,
          r"latin.yaml: not UTF-8 text",
          setup=both(scenario("outer", b"defaults:\n  - latin\n  - _self_\nscenario: outer\n"),
                     scenario("latin", b"scenario: latin\ndescription: caf\xe9\n"))),
    Fault("scenario_env_unset", "qicsim", (SEARCH, "scenario=envy", *SMALL), 2,
          r"^qicsim: error: run.seed: Environment variable 'QICSIM_TEST_UNSET' not found",
          setup=scenario("envy", b"scenario: envy\nrun:\n  seed: ${oc.env:QICSIM_TEST_UNSET}\n")),
    Fault("command_line_env_unset", "qicsim", ("run.seed=${oc.env:QICSIM_TEST_UNSET}", *SMALL), 2,
          r"run.seed: Environment variable 'QICSIM_TEST_UNSET' not found"),
    Fault("command_line_env_unset_multirun", "qicsim", ("-m", "run.seed=${oc.env:QICSIM_TEST_UNSET}", *SMALL), 2,
          r"run.seed: Environment variable"),
    Fault("scenario_sets_the_launcher", "qicsim", ("-m", SEARCH, "scenario=launch", *SMALL), 2,
          r"launch.yaml: hydra.launcher: a scenario file cannot choose Hydra's launcher",
          setup=scenario("launch", b"scenario: launch\nhydra:\n  launcher:\n    _target_: os.system\n")),
    Fault("scenario_sets_the_callbacks", "qicsim", (SEARCH, "scenario=calls", *SMALL), 2,
          r"calls.yaml: hydra.callbacks",
          setup=scenario("calls", b"scenario: calls\nhydra:\n  callbacks:\n    x:\n      _target_: os.system\n")),
    Fault("command_line_launcher_target", "qicsim", ("-m", "hydra.launcher._target_=os.system", *SMALL), 2,
          r"hydra.launcher._target_: names code for Hydra to run"),
    Fault("plot_dpi_zero", "qicsim", ("plot", "peach", *QUICK_PLOT, "--dpi", "0"), 2,
          r"^qicsim plot: error: --dpi: 0 is out of range; allowed: a whole number in \[10, 600\]"),
    Fault("plot_dpi_huge", "qicsim", ("plot", "peach", *QUICK_PLOT, "--dpi", "100000"), 2,
          r"--dpi: 100000 is out of range"),
    Fault("calibrate_results_dir_is_a_file", "qicsim-calibrate", (*CALIBRATION[:-3], "--results-dir", "{tmp}/afile",
          "--quiet"), 2, r"afile: is a file, not a folder; allowed: .*--results-dir", setup=a_file("afile")),
    Fault("calibrate_results_dir_under_a_file", "qicsim-calibrate", (*CALIBRATION[:-3], "--results-dir",
          "{tmp}/afile/deeper", "--quiet"), 2, r"afile: is a file", setup=a_file("afile")),
    Fault("calibrate_results_dir_read_only", "qicsim-calibrate", (*CALIBRATION[:-3], "--results-dir",
          "{tmp}/locked", "--quiet"), 2, r"locked: cannot be written to \(read-only\)", setup=read_only("locked")),
    Fault("world_too_big_for_memory", "qicsim", (HUGE_WORLD, "run.replications=1"), 2,
          r"^qicsim: error: structure.homes_per_site: 100,000 homes need about .* GB of memory; this machine has",
          memory_mb=3000),
    Fault("world_too_big_out_of_memory_unestimated", "qicsim", (HUGE_WORLD, "run.replications=1"), 2,
          r"^qicsim: error: memory: this machine ran out of memory while running",
          env={"QICSIM_NO_ESTIMATE": "1"}, memory_mb=1500),
    # --- item 8: signals
    Fault("ctrl_c_during_qicsims_imports", "qicsim", SMALL, 130, r"^qicsim: interrupted$",
          setup=import_hook, env=signal_at("hydra", "SIGINT")),
    Fault("sigterm_during_qicsims_imports", "qicsim", SMALL, 143, r"^qicsim: terminated$",
          setup=import_hook, env=signal_at("hydra", "SIGTERM")),
    Fault("ctrl_c_during_the_models_imports", "qicsim", SMALL, 130, r"^qicsim: interrupted",
          setup=import_hook, env=signal_at("mesa", "SIGINT")),
    Fault("ctrl_c_during_validates_imports", "qicsim-validate", ("--replications", "1", "--out", "{tmp}/v"), 130,
          r"^qicsim-validate: interrupted$", setup=import_hook, env=signal_at("pandas", "SIGINT")),
    Fault("ctrl_c_during_analyses_imports", "qicsim-analyse", ("{tmp}/sweep", "--out", "{tmp}/a"), 130,
          r"^qicsim-analyse: interrupted$", setup=both(small_sweep, import_hook), env=signal_at("scipy", "SIGINT")),
    Fault("ctrl_c_during_collects_imports", "qicsim-collect", ("{tmp}/sweep",), 130,
          r"^qicsim-collect: interrupted$", setup=import_hook, env=signal_at("pyarrow", "SIGINT")),
    Fault("ctrl_c_in_a_run", "qicsim", LONG_RUN, 130, r"^qicsim: interrupted; .* is (not written|incomplete)",
          stop=ctrl_c(1.0, RUN_AT_WORK)),
    Fault("sigterm_in_a_run", "qicsim", LONG_RUN, 143, r"^qicsim: terminated; .* is (not written|incomplete)",
          stop=sigterm(1.0, RUN_AT_WORK)),
    Fault("sigterm_in_a_run_into_a_named_folder", "qicsim", (*LONG_RUN, "hydra.run.dir={tmp}/named"), 143,
          r"^qicsim: terminated; .*named is", stop=sigterm(1.0, "named/.parts")),
    Fault("ctrl_c_in_compare", "qicsim", ("compare", "--options", "baseline", "facilitation", "--replications", "400",
          *QUICK_COMPARE, "--out", "{tmp}/compared"), 130, r"^qicsim compare: interrupted$", stop=ctrl_c(5.0)),
    Fault("sigterm_in_compare", "qicsim", ("compare", "--options", "baseline", "facilitation", "--replications",
          "400", *QUICK_COMPARE, "--out", "{tmp}/compared"), 143, r"^qicsim compare: terminated$",
          stop=sigterm(5.0)),
    Fault("ctrl_c_in_plot", "qicsim", ("plot", "peach", "--replications", "500", "--ensemble", "none", "--out",
          "{tmp}/p.png"), 130, r"^qicsim plot: interrupted; no figure written", stop=ctrl_c(5.0)),
    Fault("sigterm_in_plot", "qicsim", ("plot", "peach", "--replications", "500", "--ensemble", "none", "--out",
          "{tmp}/p.png"), 143, r"^qicsim plot: terminated; no figure written", stop=sigterm(5.0)),
    Fault("ctrl_c_in_validate", "qicsim-validate", ("--replications", "500", "--out", "{tmp}/v"), 130,
          r"^qicsim-validate: interrupted$", stop=ctrl_c(5.0)),
    Fault("sigterm_in_validate", "qicsim-validate", ("--replications", "500", "--out", "{tmp}/v"), 143,
          r"^qicsim-validate: terminated$", stop=sigterm(5.0)),
    Fault("ctrl_c_in_analyse", "qicsim-analyse", ("{tmp}/sweep", "--bootstrap", "1000000", "--out", "{tmp}/a"), 130,
          r"^qicsim-analyse: interrupted$", setup=small_sweep, stop=ctrl_c(5.0)),
    Fault("sigterm_in_analyse", "qicsim-analyse", ("{tmp}/sweep", "--bootstrap", "1000000", "--out", "{tmp}/a"), 143,
          r"^qicsim-analyse: terminated$", setup=small_sweep, stop=sigterm(5.0)),
    Fault("ctrl_c_in_a_multicore_calibration", "qicsim-calibrate", CALIBRATION, 130,
          r"^qicsim-calibrate: interrupted; the same command resumes", stop=ctrl_c(4.0, "calibration/*/history.db")),
    Fault("sigterm_in_a_multicore_calibration", "qicsim-calibrate", CALIBRATION, 143,
          r"^qicsim-calibrate: terminated; the same command resumes", stop=sigterm(4.0, "calibration/*/history.db")),
    Fault("ctrl_c_in_a_joblib_sweep", "qicsim", (*SWEEP, "run.replications=200", "hydra/launcher=joblib"), 130,
          r"^qicsim: interrupted", stop=ctrl_c(1.0, SWEEP_AT_WORK), may_leave=SWEEP_PLAN),
    Fault("sigterm_in_a_joblib_sweep", "qicsim", (*SWEEP, "run.replications=200", "hydra/launcher=joblib"), 143,
          r"^qicsim: terminated", stop=sigterm(1.0, SWEEP_AT_WORK), may_leave=SWEEP_PLAN),
    Fault("ctrl_c_in_a_sweep_in_process", "qicsim", (*SWEEP, "run.replications=200"), 130,
          r"^qicsim: interrupted; .* is incomplete; the same command resumes it",
          stop=ctrl_c(1.0, SWEEP_AT_WORK), may_leave=SWEEP_PLAN),
    # --- item 9: work too big for the machine
    Fault("replications_beyond_memory", "qicsim", ("run.replications=1000000000000",), 2,
          r"^qicsim: error: run.replications: 1,000,000,000,000 replications need about .* GB of memory; "
          r"this machine has .* available; allowed: at most about [\d,]+ replications here$"),
    Fault("replications_beyond_memory_multirun", "qicsim", ("-m", "run.replications=2,1000000000000"), 2,
          r"run.replications: 1,000,000,000,000 replications"),
    Fault("replications_beyond_memory_in_a_sweep", "qicsim", (*SWEEP, "run.replications=1000000000000"), 2,
          r"run.replications: 1,000,000,000,000 replications"),
    Fault("replications_beyond_memory_in_plot", "qicsim", ("plot", "peach", "--replications", "1000000000000",
          "--ensemble", "none", "--out", "{tmp}/p.png"), 2, r"^qicsim plot: error: run.replications: "),
    Fault("world_beyond_memory_multirun", "qicsim", ("-m", HUGE_WORLD, "run.replications=1"), 2,
          r"^qicsim: error: structure.homes_per_site: 100,000 homes", memory_mb=3000),
    # --- items 1-6, where cheap
    Fault("run_into_a_folder_with_a_result", "qicsim", (*SMALL, "hydra.run.dir={tmp}/earlier"), 2,
          r"earlier: already holds a result"),
    Fault("results_is_a_file", "qicsim", SMALL, 2, r"results: is a file, not a folder", setup=a_file("results")),
    Fault("unknown_scenario", "qicsim", ("scenario=nope", *SMALL), 2, r"scenario: unknown scenario 'nope'"),
    Fault("unknown_setting", "qicsim", ("parameters.nope=1", *SMALL), 2, r"parameters.nope: unknown setting"),
    Fault("no_replications", "qicsim", ("run.replications=0",), 2, r"run.replications: 0 is too few"),
    Fault("not_a_command", "qicsim", ("plto", "peach"), 2, r"plto: not a command or a setting"),
    Fault("ensemble_with_nan", "qicsim", ("run.ensemble={tmp}/nan.csv", *SMALL), 2, r"nan.csv",
          setup=ensemble_with_nan),
    Fault("plot_over_an_earlier_plot", "qicsim", ("plot", "peach", *QUICK_PLOT), 2, r"plot.png: already exists",
          setup=earlier_plot),
    Fault("compare_one_option_alone", "qicsim", ("compare", "--options", "baseline", *QUICK_COMPARE), 2,
          r"--options: baseline alone"),
    Fault("collect_a_missing_folder", "qicsim-collect", ("{tmp}/nowhere",), 2, r"^qicsim-collect: error: "),
    Fault("collect_a_hand_edited_manifest", "qicsim-collect", ("{tmp}/sweep",), 2, r"design.json \(jobs\)",
          setup=hand_edited_manifest),
    Fault("analyse_into_an_earlier_result", "qicsim-analyse", ("{tmp}/sweep", "--out", "{tmp}/earlier"), 2,
          r"earlier: already holds a result", setup=small_sweep),
    Fault("validate_a_word_not_a_setting", "qicsim-validate", ("notasetting", "--out", "{tmp}/v"), 2,
          r"notasetting: is not a setting"),
    Fault("calibrate_population_zero", "qicsim-calibrate", (*CALIBRATION, "population=0"), 2,
          r"calibration.population: 0 is too small"),
    Fault("dashboard_port_out_of_range", "qicsim-dashboard", ("--port", "70000"), 2, r"--port: 70000 is out of range"),
]


# --- the wider table: bad values, unknown keys, broken files and bad flags, for every console script ---------


def text_file(name: str, body: str | bytes) -> Callable[[Path], None]:
    """A file of the user's at ``name`` (folders made), holding ``body``."""

    def make(tmp: Path) -> None:
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        data = body if isinstance(body, bytes) else body.encode()
        (tmp / name).write_bytes(data)

    return make


def sweep_then(change: Callable[[Path], object]) -> Callable[[Path], None]:
    """A synthetic sweep in ``sweep/`` (:func:`small_sweep`), then something broken in it."""

    def make(tmp: Path) -> None:
        small_sweep(tmp)
        change(tmp / "sweep")

    return make


def overwrite(name: str, body: bytes) -> Callable[[Path], None]:
    """Replace a file of a folder with ``body``."""
    return lambda folder: (folder / name).write_bytes(body) and None


def truncate(name: str) -> Callable[[Path], None]:
    """Cut a file of a folder to its first half (a copy stopped part-way)."""

    def make(folder: Path) -> None:
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: len(data) // 2])

    return make


def remove(name: str) -> Callable[[Path], None]:
    """Remove a file of a folder."""
    return lambda folder: (folder / name).unlink()


def edit_json(name: str, change: Callable[[dict], object]) -> Callable[[Path], None]:
    """Edit a JSON file of a folder in place."""

    def make(folder: Path) -> None:
        data = json.loads((folder / name).read_text())
        change(data)
        (folder / name).write_text(json.dumps(data))

    return make


def option(name: str, body: str) -> Callable[[Path], None]:
    """A funding option file of the user's, ``opts/<name>.yaml``."""
    return text_file(f"opts/{name}.yaml", body)


def calibration_file(body: str) -> Callable[[Path], None]:
    """A calibration settings file of the user's, ``cal.yaml``."""
    return text_file("cal.yaml", body)


# Out of each setting's range (the schema's bounds): the one line names the setting.
OUT_OF_RANGE = {
    "parameters.beds_mean": "0", "parameters.nursing_home_share": "1.5", "parameters.care_workload_share": "-0.1",
    "parameters.contracted_hours": "61", "parameters.winter_peak_week": "52", "parameters.care_turnover_per_year": "1",
    "parameters.induction_weeks": "53", "parameters.max_members_per_home": "9", "parameters.voice_prob": "1.01",
    "parameters.hierarchy_penalty": "6", "parameters.project_effort_hours": "0.5", "parameters.small_test_cycles": "0",
    "parameters.spread_prob": "-1", "parameters.measurement_hours": "41", "parameters.sustain_weeks": "0",
    "parameters.falls_per_bed_year": "21", "parameters.manager_review_weeks": "53", "parameters.lead_hours_spread": "0",
    "parameters.decision_noise_hours": "0", "parameters.champion_loss_lapse": "0.5",
    "contexts.remit_clarity.intensity": "-0.5", "contexts.learning_events.intensity": "2",
    "contexts.data_support.intensity": "1.0001",
}
# Not a value of the setting's type.
WRONG_TYPE = {
    "parameters.slack_use": "lots", "run.replications": "many", "run.seed": "1.5", "structure.collaborative_weeks": "x",
    "parameters.priorities_per_home": "2.5", "contexts.alignment.intensity": "high", "run.figure": "perhaps",
}
# A name that is not a setting, in each group.
UNKNOWN_KEYS = {"structure.sitez": "structure.sitez", "contexts.nope.intensity": "contexts.nope",
                "contexts.alignment.strength": "contexts.alignment.strength", "run.nope": "run.nope",
                "sweep.nope": "sweep.nope", "parameters.spread_probability": "parameters.spread_probability"}

MORE_FAULTS = [
    *[Fault(f"out_of_range_{key.replace('.', '_')}", "qicsim", (f"{key}={value}", *SMALL), 2,
            rf"^qicsim: error: {re.escape(key)}: .*allowed") for key, value in OUT_OF_RANGE.items()],
    *[Fault(f"wrong_type_{key.replace('.', '_')}", "qicsim", (f"{key}={value}", *SMALL), 2,
            rf"^qicsim: error: {re.escape(key)}: ") for key, value in WRONG_TYPE.items()],
    *[Fault(f"unknown_key_{key.replace('.', '_')}", "qicsim", (f"{key}=1", *SMALL), 2,
            rf"^qicsim: error: {re.escape(named)}: ") for key, named in UNKNOWN_KEYS.items()],
    # --- qicsim: structure, contexts, presets, multirun
    Fault("no_homes", "qicsim", ("structure.homes_per_site=[]", "run.replications=1", "run.figure=false"), 2,
          r"structure.homes_per_site: "),
    Fault("a_site_of_no_homes", "qicsim", ("structure.homes_per_site=[3,0]", "run.replications=1"), 2,
          r"structure.homes_per_site"),
    Fault("no_weeks_of_support", "qicsim", ("structure.collaborative_weeks=0", *SMALL), 2,
          r"structure.collaborative_weeks: "),
    Fault("unknown_structure_preset", "qicsim", ("structure=nope", *SMALL), 2, r"structure"),
    Fault("unknown_rival_structure_value", "qicsim", ("structure.trap=sometimes", *SMALL), 2, r"structure.trap: "),
    Fault("unknown_experiment", "qicsim", ("experiment=nope", *SMALL), 2, r"experiment"),
    Fault("unknown_launcher", "qicsim", ("-m", "hydra/launcher=nope", *SMALL), 2, r"launcher"),
    Fault("site_intensity_for_a_site_that_is_not_there", "qicsim", ("+contexts.alignment.sites.site_9=0.2", *SMALL),
          2, r"contexts.alignment.sites"),
    Fault("site_intensity_out_of_range", "qicsim", ("+contexts.alignment.sites.site_1=3", *SMALL), 2,
          r"contexts.alignment.sites.site_1: "),
    Fault("schedule_two_steps_in_one_week", "qicsim",
          ("contexts.protected_time.schedule=[{week: 5, intensity: 0},{week: 5, intensity: 1}]", *SMALL), 2,
          r"contexts.protected_time.schedule"),
    Fault("schedule_intensity_out_of_range", "qicsim",
          ("contexts.protected_time.schedule=[{week: 5, intensity: 7}]", *SMALL), 2, r"contexts.protected_time"),
    Fault("schedule_week_negative", "qicsim", ("contexts.protected_time.schedule=[{week: -3, intensity: 0}]", *SMALL),
          2, r"contexts.protected_time"),
    Fault("protected_roles_unknown_role", "qicsim", ("parameters.protected_roles=[astronaut]", *SMALL), 2,
          r"parameters.protected_roles"),
    Fault("multirun_one_bad_value", "qicsim", ("-m", "contexts.alignment.intensity=0.5,3", *SMALL), 2,
          r"contexts.alignment.intensity: 3"),
    Fault("multirun_unknown_setting", "qicsim", ("-m", "parameters.nope=1,2", *SMALL), 2, r"parameters.nope"),
    Fault("print_config_of_a_bad_setting", "qicsim", ("--cfg", "job", "contexts.alignment.intensity=9"), 2,
          r"contexts.alignment.intensity: 9"),
    Fault("unknown_flag", "qicsim", ("--frobnicate", *SMALL), 2, r"--frobnicate"),
    Fault("override_without_a_value", "qicsim", ("run.replications=", "run.figure=false"), 2, r"run.replications"),
    Fault("negative_seed", "qicsim", ("run.seed=-1", *SMALL), 2, r"run.seed: "),
    Fault("negative_replications", "qicsim", ("run.replications=-5",), 2, r"run.replications: "),
    # --- qicsim: ensembles
    Fault("ensemble_missing_file", "qicsim", ("run.ensemble={tmp}/none.csv", *SMALL), 2,
          r"^qicsim: error: run.ensemble"),
    Fault("ensemble_unknown_name", "qicsim", ("run.ensemble=nope", *SMALL), 2, r"run.ensemble"),
    Fault("ensemble_unknown_column", "qicsim", ("run.ensemble={tmp}/e.csv", *SMALL), 2, r"run.ensemble.*nope",
          setup=text_file("e.csv", "nope,weight\n0.5,1\n")),
    Fault("ensemble_value_out_of_range", "qicsim", ("run.ensemble={tmp}/e.csv", *SMALL), 2, r"run.ensemble.*slack_use",
          setup=text_file("e.csv", "slack_use,weight\n7,1\n")),
    Fault("ensemble_negative_weight", "qicsim", ("run.ensemble={tmp}/e.csv", *SMALL), 2, r"run.ensemble.*weight",
          setup=text_file("e.csv", "slack_use,weight\n0.5,-1\n0.6,2\n")),
    Fault("ensemble_all_zero_weights", "qicsim", ("run.ensemble={tmp}/e.csv", *SMALL), 2, r"run.ensemble.*weight",
          setup=text_file("e.csv", "slack_use,weight\n0.5,0\n0.6,0\n")),
    Fault("ensemble_without_weights", "qicsim", ("run.ensemble={tmp}/e.csv", *SMALL), 2, r"run.ensemble",
          setup=text_file("e.csv", "slack_use\n0.5\n")),
    Fault("ensemble_empty_file", "qicsim", ("run.ensemble={tmp}/e.csv", *SMALL), 2, r"run.ensemble",
          setup=text_file("e.csv", "")),
    Fault("ensemble_binary_garbage", "qicsim", ("run.ensemble={tmp}/e.csv", *SMALL), 2, r"run.ensemble",
          setup=text_file("e.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")),
    Fault("ensemble_is_a_folder", "qicsim", ("run.ensemble={tmp}/e.csv", *SMALL), 2, r"run.ensemble",
          setup=lambda tmp: (tmp / "e.csv").mkdir()),
    # --- qicsim: the user's scenario files
    Fault("scenario_not_yaml", "qicsim", (SEARCH, "scenario=broken", *SMALL), 2, r"broken.yaml",
          setup=scenario("broken", b"scenario: broken\nstructure: [unclosed\n")),
    Fault("scenario_empty", "qicsim", (SEARCH, "scenario=empty", *SMALL), 2, r"empty.yaml",
          setup=text_file("mine/scenario/empty.yaml", "")),
    Fault("scenario_without_package_line", "qicsim", (SEARCH, "scenario=nopkg", *SMALL), 2, r"nopkg.yaml",
          setup=text_file("mine/scenario/nopkg.yaml", "scenario: nopkg\n")),
    Fault("scenario_value_out_of_range", "qicsim", (SEARCH, "scenario=wild", *SMALL), 2,
          r"contexts.alignment.intensity: ", setup=scenario("wild", b"scenario: wild\ncontexts:\n  alignment:\n"
                                                                    b"    intensity: 4\n")),
    Fault("scenario_unknown_key", "qicsim", (SEARCH, "scenario=typo", *SMALL), 2,
          r"^qicsim: error: scenario/typo.yaml: parameters.spread_probabilty: unknown setting",
          setup=scenario("typo", b"scenario: typo\nparameters:\n  spread_probabilty: 0.2\n")),
    Fault("scenario_a_list_not_a_mapping", "qicsim", (SEARCH, "scenario=alist", *SMALL), 2, r"alist",
          setup=scenario("alist", b"- scenario\n- alist\n")),
    # --- qicsim: sweeps
    Fault("sweep_only_an_unknown_factor", "qicsim", ("experiment=context_factorial", "sweep.only=[nope]",
          "structure.homes_per_site=[3,3]"), 2, r"sweep.only"),
    Fault("sweep_no_jobs", "qicsim", (*SWEEP[:2], "sweep.jobs=0", *SWEEP[3:]), 2, r"sweep.jobs"),
    Fault("sweep_ensemble_draws_zero", "qicsim", ("experiment=ensemble_one_at_a_time",
          "sweep.ensemble=results/reference/prior_ensemble.csv", "sweep.ensemble_draws=0",
          "structure.homes_per_site=[3,3]"), 2, r"sweep.ensemble_draws"),
    Fault("sweep_ensemble_missing", "qicsim", ("experiment=ensemble_one_at_a_time", "sweep.ensemble={tmp}/none.csv",
          "structure.homes_per_site=[3,3]"), 2, r"sweep.ensemble"),
    Fault("sweep_factor_of_an_unknown_parameter", "qicsim", (*SWEEP, "+sweep.factors.nope=[1,2]"), 2, r"nope"),
    # --- qicsim plot
    Fault("plot_unknown_scenario", "qicsim", ("plot", "nope", *QUICK_PLOT), 2, r"^qicsim plot: error: .*nope"),
    Fault("plot_condition_with_a_bad_value", "qicsim", ("plot", "peach", "peach:contexts.alignment.intensity=5",
          *QUICK_PLOT), 2, r"contexts.alignment.intensity: 5"),
    Fault("plot_condition_with_an_unknown_setting", "qicsim", ("plot", "peach", "peach:parameters.nope=1",
          *QUICK_PLOT), 2, r"parameters.nope"),
    Fault("plot_unknown_outcome", "qicsim", ("plot", "peach", *QUICK_PLOT, "--outcome", "happiness"), 2,
          r"--outcome: .*happiness"),
    Fault("plot_unknown_mechanism", "qicsim", ("plot", "peach", *QUICK_PLOT, "--mechanism", "magic"), 2,
          r"--mechanism: .*magic"),
    Fault("plot_no_replications", "qicsim", ("plot", "peach", "--replications", "0", "--ensemble", "none", "--out",
          "{tmp}/p.png"), 2, r"replications"),
    Fault("plot_replications_not_a_number", "qicsim", ("plot", "peach", "--replications", "ten"), 2, r"--replications"),
    Fault("plot_unknown_flag", "qicsim", ("plot", "peach", "--colour", "red"), 2, r"--colour"),
    Fault("plot_ensemble_missing", "qicsim", ("plot", "peach", "--replications", "1", "--ensemble", "{tmp}/none.csv",
          "--out", "{tmp}/p.png"), 2, r"ensemble"),
    Fault("plot_out_not_a_png", "qicsim", ("plot", "peach", "--replications", "1", "--ensemble", "none", "--out",
          "{tmp}/p.txt"), 2, r"--out"),
    Fault("plot_out_in_a_read_only_folder", "qicsim", ("plot", "peach", "--replications", "1", "--ensemble", "none",
          "--out", "{tmp}/locked/p.png"), 2, r"locked", setup=read_only("locked")),
    Fault("plot_no_conditions", "qicsim", ("plot", "--replications", "1"), 2, r"^qicsim plot: error: "),
    # --- qicsim compare
    Fault("compare_unknown_option", "qicsim", ("compare", "--options", "baseline", "nope", *QUICK_COMPARE), 2,
          r"--options: nope is not a funding option"),
    Fault("compare_no_homes", "qicsim", ("compare", "--homes", "0", "--ensemble", "none"), 2, r"--homes"),
    Fault("compare_no_weeks", "qicsim", ("compare", "--weeks", "0", "--ensemble", "none"), 2, r"--weeks"),
    Fault("compare_negative_budget", "qicsim", ("compare", "--budget", "-5", *QUICK_COMPARE), 2, r"--budget"),
    Fault("compare_nan_budget", "qicsim", ("compare", "--budget", "nan", *QUICK_COMPARE), 2, r"--budget"),
    Fault("compare_no_replications", "qicsim", ("compare", "--replications", "0", *QUICK_COMPARE), 2,
          r"replications"),
    Fault("compare_unknown_costs", "qicsim", ("compare", "--costs", "nope", *QUICK_COMPARE), 2, r"--costs"),
    Fault("compare_costs_not_yaml", "qicsim", ("compare", "--costs", "{tmp}/c.yaml", *QUICK_COMPARE), 2, r"c.yaml",
          setup=text_file("c.yaml", "hourly_cost_gbp: [unclosed\n")),
    Fault("compare_costs_missing_a_role", "qicsim", ("compare", "--costs", "{tmp}/c.yaml", *QUICK_COMPARE), 2,
          r"c.yaml", setup=text_file("c.yaml", "backfill_factor: {value: 1.5, source: x, year: '2017/18'}\n")),
    Fault("compare_unknown_structure", "qicsim", ("compare", "--structure", "nope", *QUICK_COMPARE), 2, r"structure"),
    Fault("compare_ensemble_missing", "qicsim", ("compare", "--ensemble", "{tmp}/none.csv", "--homes", "6"), 2,
          r"ensemble"),
    Fault("compare_negative_wtp", "qicsim", ("compare", "--wtp-max", "-1", *QUICK_COMPARE), 2, r"--wtp-max"),
    Fault("compare_unknown_flag", "qicsim", ("compare", "--cheaply", *QUICK_COMPARE), 2, r"--cheaply"),
    Fault("compare_levels_of_an_unknown_item", "qicsim", ("compare", "--optimise", "--budget", "1000", "--levels",
          "magic=0,1", *QUICK_COMPARE), 2, r"--levels"),
    Fault("compare_levels_not_numbers", "qicsim", ("compare", "--optimise", "--budget", "1000", "--levels",
          "facilitation=a,b", *QUICK_COMPARE), 2, r"--levels"),
    Fault("compare_optimise_without_a_budget", "qicsim", ("compare", "--optimise", *QUICK_COMPARE), 2, r"--budget"),
    Fault("compare_option_with_a_nan_item", "qicsim", ("compare", "--options", "baseline", "{tmp}/opts/nanny.yaml",
          *QUICK_COMPARE), 2, r"nanny", setup=option("nanny", "description: x\nevents: 2\noverrides: []\n"
                                                              "items:\n  coaching_hours_per_site_week: .nan\n")),
    Fault("compare_option_with_an_infinite_item", "qicsim", ("compare", "--options", "baseline",
          "{tmp}/opts/inf.yaml", *QUICK_COMPARE), 2, r"inf", setup=option(
              "inf", "description: x\nevents: 2\noverrides: []\nitems:\n  coaching_hours_per_site_week: .inf\n")),
    Fault("compare_option_overriding_run", "qicsim", ("compare", "--options", "baseline", "{tmp}/opts/runs.yaml",
          *QUICK_COMPARE), 2, r"run.seed", setup=option(
              "runs", "description: x\nevents: 2\noverrides: [run.seed=3]\nitems: {}\n")),
    Fault("compare_option_with_an_unknown_item", "qicsim", ("compare", "--options", "baseline",
          "{tmp}/opts/odd.yaml", *QUICK_COMPARE), 2, r"odd", setup=option(
              "odd", "description: x\nevents: 2\noverrides: []\nitems:\n  champagne: 3\n")),
    Fault("compare_option_not_yaml", "qicsim", ("compare", "--options", "baseline", "{tmp}/opts/bad.yaml",
          *QUICK_COMPARE), 2, r"bad.yaml", setup=option("bad", "overrides: [unclosed\n")),
    Fault("compare_into_an_earlier_result", "qicsim", ("compare", "--options", "baseline", "coaching",
          *QUICK_COMPARE, "--out", "{tmp}/earlier"), 2, r"earlier: already holds a result"),
    # --- qicsim-collect
    Fault("collect_a_folder_without_a_design", "qicsim-collect", ("{tmp}/sweep",), 2, r"design.json",
          setup=lambda tmp: (tmp / "sweep").mkdir()),
    Fault("collect_a_file", "qicsim-collect", ("{tmp}/afile",), 2, r"afile", setup=a_file("afile")),
    Fault("collect_a_design_that_is_not_json", "qicsim-collect", ("{tmp}/sweep",), 2, r"design.json",
          setup=text_file("sweep/design.json", "{not json")),
    Fault("collect_a_truncated_design", "qicsim-collect", ("{tmp}/sweep",), 2, r"design.json",
          setup=sweep_then(truncate("design.json"))),
    Fault("collect_a_design_of_another_format", "qicsim-collect", ("{tmp}/sweep",), 2, r"design.json",
          setup=sweep_then(edit_json("design.json", lambda d: d.update(format="something-else/9")))),
    Fault("collect_a_design_that_is_a_list", "qicsim-collect", ("{tmp}/sweep",), 2, r"design.json",
          setup=text_file("sweep/design.json", "[1, 2, 3]")),
    Fault("collect_unknown_flag", "qicsim-collect", ("{tmp}/sweep", "--fast"), 2, r"--fast"),
    Fault("collect_no_folder", "qicsim-collect", (), 2, r"^qicsim-collect: error: "),
    # --- qicsim-analyse
    Fault("analyse_a_missing_folder", "qicsim-analyse", ("{tmp}/nowhere", "--out", "{tmp}/a"), 2, r"nowhere"),
    Fault("analyse_a_corrupt_parquet", "qicsim-analyse", ("{tmp}/sweep", "--out", "{tmp}/a"), 2, r"dataset",
          setup=sweep_then(overwrite("dataset.parquet", b"PAR1 not really parquet"))),
    Fault("analyse_a_truncated_parquet", "qicsim-analyse", ("{tmp}/sweep", "--out", "{tmp}/a"), 2, r"dataset",
          setup=sweep_then(truncate("dataset.parquet"))),
    Fault("analyse_without_the_dataset", "qicsim-analyse", ("{tmp}/sweep", "--out", "{tmp}/a"), 2, r"dataset",
          setup=sweep_then(both(remove("dataset.parquet"), remove("dataset.csv")))),
    Fault("analyse_a_truncated_dataset_record", "qicsim-analyse", ("{tmp}/sweep", "--out", "{tmp}/a"), 2,
          r"dataset.json", setup=sweep_then(truncate("dataset.json"))),
    Fault("analyse_a_dataset_changed_since_collected", "qicsim-analyse", ("{tmp}/sweep", "--out", "{tmp}/a"), 2,
          r"dataset", setup=sweep_then(edit_json("dataset.json", lambda d: d["files"].update(
              {k: "0" * 64 for k in d["files"]})))),
    Fault("analyse_a_design_that_is_not_json", "qicsim-analyse", ("{tmp}/sweep", "--out", "{tmp}/a"), 2,
          r"design.json", setup=sweep_then(overwrite("design.json", b"{not json"))),
    Fault("analyse_no_bootstrap", "qicsim-analyse", ("{tmp}/sweep", "--bootstrap", "0", "--out", "{tmp}/a"), 2,
          r"--bootstrap", setup=small_sweep),
    Fault("analyse_level_out_of_range", "qicsim-analyse", ("{tmp}/sweep", "--level", "1.5", "--out", "{tmp}/a"), 2,
          r"--level", setup=small_sweep),
    Fault("analyse_unknown_outcome", "qicsim-analyse", ("{tmp}/sweep", "--outcome", "happiness", "--out", "{tmp}/a"),
          2, r"happiness", setup=small_sweep),
    Fault("analyse_bad_qca_outcome", "qicsim-analyse", ("{tmp}/sweep", "--qca-outcome", "nonsense", "--out",
          "{tmp}/a"), 2, r"--qca-outcome", setup=small_sweep),
    Fault("analyse_consistency_out_of_range", "qicsim-analyse", ("{tmp}/sweep", "--consistency", "2", "--out",
          "{tmp}/a"), 2, r"--consistency", setup=small_sweep),
    Fault("analyse_bad_qca_thresholds", "qicsim-analyse", ("{tmp}/sweep", "--qca-thresholds", "0.3,x", "--out",
          "{tmp}/a"), 2, r"--qca-thresholds", setup=small_sweep),
    Fault("analyse_prim_threshold_out_of_range", "qicsim-analyse", ("{tmp}/sweep", "--prim-threshold", "-1", "--out",
          "{tmp}/a"), 2, r"--prim-threshold", setup=small_sweep),
    Fault("analyse_robust_share_out_of_range", "qicsim-analyse", ("{tmp}/sweep", "--robust-share", "7", "--out",
          "{tmp}/a"), 2, r"--robust-share", setup=small_sweep),
    Fault("analyse_out_is_a_file", "qicsim-analyse", ("{tmp}/sweep", "--out", "{tmp}/afile"), 2, r"afile",
          setup=both(small_sweep, a_file("afile"))),
    Fault("analyse_unknown_flag", "qicsim-analyse", ("{tmp}/sweep", "--fancy"), 2, r"--fancy", setup=small_sweep),
    # --- qicsim-validate
    Fault("validate_no_replications", "qicsim-validate", ("--replications", "0", "--out", "{tmp}/v"), 2,
          r"replications"),
    Fault("validate_replications_not_a_number", "qicsim-validate", ("--replications", "lots"), 2, r"--replications"),
    Fault("validate_replaces_the_programme", "qicsim-validate", ("scenario=no_contexts", "--out", "{tmp}/v"), 2,
          r"scenario"),
    Fault("validate_sets_how_it_runs", "qicsim-validate", ("run.seed=3", "--out", "{tmp}/v"), 2, r"run.seed"),
    Fault("validate_unknown_setting", "qicsim-validate", ("parameters.nope=1", "--out", "{tmp}/v"), 2,
          r"parameters.nope"),
    Fault("validate_value_out_of_range", "qicsim-validate", ("parameters.spread_prob=3", "--replications", "1",
          "--out", "{tmp}/v"), 2, r"parameters.spread_prob: 3"),
    Fault("validate_ensemble_missing", "qicsim-validate", ("--ensemble", "{tmp}/none.csv", "--replications", "1",
          "--out", "{tmp}/v"), 2, r"ensemble"),
    Fault("validate_into_an_earlier_result", "qicsim-validate", ("--replications", "1", "--out", "{tmp}/earlier"), 2,
          r"earlier: already holds a result"),
    Fault("validate_out_is_a_file", "qicsim-validate", ("--replications", "1", "--out", "{tmp}/afile"), 2, r"afile",
          setup=a_file("afile")),
    Fault("validate_unknown_flag", "qicsim-validate", ("--quick",), 2, r"--quick"),
    Fault("validate_unknown_structure", "qicsim-validate", ("structure=nope", "--replications", "1", "--out",
          "{tmp}/v"), 2, r"structure"),
    # --- qicsim-calibrate
    Fault("calibrate_unknown_name", "qicsim-calibrate", ("nope", "--results-dir", "{tmp}/calibration"), 2,
          r"calibration"),
    Fault("calibrate_missing_yaml", "qicsim-calibrate", ("{tmp}/none.yaml", "--results-dir", "{tmp}/calibration"), 2,
          r"none.yaml"),
    Fault("calibrate_yaml_not_yaml", "qicsim-calibrate", ("{tmp}/cal.yaml", "--results-dir", "{tmp}/calibration"), 2,
          r"cal.yaml", setup=calibration_file("name: x\npriors: [unclosed\n")),
    Fault("calibrate_yaml_unknown_key", "qicsim-calibrate", ("{tmp}/cal.yaml", "--results-dir", "{tmp}/calibration"),
          2, r"populaton", setup=calibration_file("name: x\npopulaton: 10\n")),
    Fault("calibrate_unknown_setting", "qicsim-calibrate", (*CALIBRATION, "nope=1"), 2, r"nope"),
    Fault("calibrate_max_minutes_nan", "qicsim-calibrate", (*CALIBRATION, "max_minutes=nan"), 2, r"max_minutes"),
    Fault("calibrate_epsilon_floor_nan", "qicsim-calibrate", (*CALIBRATION, "epsilon_floor=nan"), 2,
          r"epsilon_floor"),
    Fault("calibrate_negative_population", "qicsim-calibrate", (*CALIBRATION, "population=-3"), 2, r"population"),
    Fault("calibrate_no_replications", "qicsim-calibrate", (*CALIBRATION, "replications=0"), 2, r"replications"),
    Fault("calibrate_unknown_sampler", "qicsim-calibrate", (*CALIBRATION, "sampler=quantum"), 2, r"sampler"),
    Fault("calibrate_no_processes", "qicsim-calibrate", (*CALIBRATION, "n_procs=0"), 2, r"n_procs"),
    Fault("calibrate_name_leads_out", "qicsim-calibrate", (*CALIBRATION, "name=../../x"), 2, r"calibration.name"),
    Fault("calibrate_ship_as_leads_out", "qicsim-calibrate", (*CALIBRATION, "ship_as=../x", "--ship"), 2,
          r"calibration.ship_as"),
    Fault("calibrate_a_held_out_target", "qicsim-calibrate", (*CALIBRATION, "+targets.retention.value=0.5",
          "+targets.retention.tolerance=0.1", "+targets.retention.source=x"), 2, r"targets"),
    Fault("calibrate_prior_of_an_unknown_parameter", "qicsim-calibrate", (*CALIBRATION, "+priors.nope.lo=0",
          "+priors.nope.hi=1"), 2, r"priors"),
    Fault("calibrate_prior_upside_down", "qicsim-calibrate", (*CALIBRATION, "priors.slack_use.lo=0.9",
          "priors.slack_use.hi=0.1"), 2, r"priors.slack_use"),
    Fault("calibrate_bad_scenario_override", "qicsim-calibrate", (*CALIBRATION, 'overrides=["parameters.nope=1"]'), 2,
          r"parameters.nope"),
    Fault("calibrate_unknown_flag", "qicsim-calibrate", ("peach", "--fast"), 2, r"--fast"),
    Fault("calibrate_a_record_of_another_kind", "qicsim-calibrate", CALIBRATION, 2,
          r"calibration.json: not a qicsim calibration record", setup=text_file(
              "calibration/peach/calibration.json", json.dumps({"format": "x", "fingerprint": "0" * 64}))),
    Fault("calibrate_a_corrupt_record", "qicsim-calibrate", CALIBRATION, 2, r"calibration.json",
          setup=text_file("calibration/peach/calibration.json", "{truncated")),
    # --- qicsim-dashboard
    Fault("dashboard_unknown_flag", "qicsim-dashboard", ("--fullscreen",), 2, r"--fullscreen"),
    Fault("dashboard_port_negative", "qicsim-dashboard", ("--port", "-1"), 2, r"--port"),
    Fault("dashboard_port_not_a_number", "qicsim-dashboard", ("--port", "http"), 2, r"--port"),
    Fault("dashboard_host_not_an_address", "qicsim-dashboard", ("--host", "not an address", "--port", "0"), 2,
          r"--host"),
    Fault("dashboard_host_of_another_machine", "qicsim-dashboard", ("--host", "192.0.2.1", "--port", "0"), 2,
          r"--host: 192.0.2.1"),
    Fault("dashboard_bad_allow_host", "qicsim-dashboard", ("--allow-host", "a/b", "--port", "0"), 2,
          r"--allow-host"),
]
FAULTS += MORE_FAULTS


# --- running a row -----------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, str]:
    """Every file (its SHA-256) and folder under ``root``."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
            for p in sorted(root.rglob("*")) if not p.is_symlink()}


def looks_complete(name: str, may_leave: tuple[str, ...]) -> bool:
    """Whether a file left by a failed command looks like a result (a table, figure, report or record)."""
    path = Path(name)
    if any(path.match(pattern) for pattern in may_leave) or any(part == ".hydra" for part in path.parts):
        return False
    return path.name in COMPLETE_NAMES or path.suffix in COMPLETE_SUFFIXES or ".parts" in path.parts


def limit_memory(mb: int | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``ulimit -v`` (address space) of ``mb`` megabytes."""
    if mb is None:
        return None
    return lambda: resource.setrlimit(resource.RLIMIT_AS, (mb * 1_000_000, mb * 1_000_000))


def wait_until_ready(proc: subprocess.Popen, folder: Path, stop: Stop) -> None:
    """Wait for the command to be at work (``stop.ready`` exists), then ``stop.after`` seconds."""
    deadline = time.monotonic() + 120
    while stop.ready is not None and not list(folder.glob(stop.ready)):
        assert proc.poll() is None, f"the command ended before it was at work ({stop.ready})"
        assert time.monotonic() < deadline, f"the command never got to work ({stop.ready})"
        time.sleep(0.05)
    time.sleep(stop.after)
    assert proc.poll() is None, "the command finished before the signal: make its work longer"


def run_fault(case: Fault, tmp: Path) -> tuple[int, str, dict[str, str], dict[str, str]]:
    """Run a row in its own folder: its exit code, its stderr, and the folder before and after."""
    fill = lambda text: text.replace("{tmp}", str(tmp))  # noqa: E731
    if case.setup is not None:
        case.setup(tmp)
    earlier(tmp)
    before = snapshot(tmp)
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "QICSIM_CONFIG_DIR", "PYTHONPATH")}
    env.update({"MPLCONFIGDIR": str(tmp.parent / "mpl"), "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"})
    env.update({key: fill(value) for key, value in case.env.items()})
    proc = subprocess.Popen([str(BIN / case.program), *map(fill, case.argv)], cwd=tmp, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=limit_memory(case.memory_mb))
    try:
        if case.stop is not None:
            wait_until_ready(proc, tmp, case.stop)
            if case.stop.group:
                os.killpg(proc.pid, case.stop.signum)
            else:
                proc.send_signal(case.stop.signum)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, err, before, snapshot(tmp)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in FAULTS])
def test_fault(case: Fault, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    code, err, before, after = run_fault(case, work)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == case.code, err[-3000:]
    assert len(lines) <= 1 and "Traceback" not in err, err[-3000:]
    if case.code != 0:
        assert len(lines) == 1, "a failed command says why, in one line"
    if case.line:
        assert re.search(case.line.replace("{tmp}", str(work)), lines[0]), lines[0]
    changed = [name for name, digest in before.items() if after.get(name) != digest]
    assert not changed, f"changed or removed what was there before: {changed}"
    left = [name for name in after if name not in before and looks_complete(name, case.may_leave)]
    assert not left, f"left what looks like a result: {left}"


def test_the_table_covers_items_7_to_9() -> None:
    names = {case.name for case in FAULTS}
    assert len(FAULTS) >= 150 and len(names) == len(FAULTS)
    codes = {case.code for case in FAULTS}
    assert {2, 130, 143} <= codes
    programs = {case.program for case in FAULTS}
    assert programs == {"qicsim", "qicsim-calibrate", "qicsim-validate", "qicsim-analyse", "qicsim-collect",
                        "qicsim-dashboard"}


# --- workers die with their parent -------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (its children, theirs, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_and_watch(proc: subprocess.Popen, workers: list[int], seconds: float = 5.0) -> list[int]:
    """SIGKILL the command; the workers still alive ``seconds`` later (killed then, so none outlives the test)."""
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.1)
    left = [pid for pid in workers if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_a_killed_joblib_sweep_takes_its_workers_with_it(tmp_path: Path) -> None:
    proc = subprocess.Popen([str(BIN / "qicsim"), *SWEEP, "run.replications=200", "hydra/launcher=joblib"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (list(tmp_path.glob(SWEEP_AT_WORK)) and len(descendants(proc.pid)) >= 2):
            assert proc.poll() is None and time.monotonic() < deadline, "the sweep never started its workers"
            time.sleep(0.1)
        time.sleep(1.0)
        workers = descendants(proc.pid)
        chunks = sorted(tmp_path.glob("results/sweeps/*/chunks/*"))
        left = kill_and_watch(proc, workers)
    finally:
        stop_group(proc)
    assert not left, f"{len(left)} of {len(workers)} workers outlived the sweep by 5 s"
    time.sleep(1.0)
    assert sorted(tmp_path.glob("results/sweeps/*/chunks/*")) == chunks, "a chunk was written after the kill"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("wait", [0.0, 1.0], ids=["while its workers start", "while they work"])
def test_a_killed_pool_takes_its_workers_with_it(tmp_path: Path, wait: float) -> None:
    # Killed at once, the workers may still be importing, with no task yet: they must follow from their start.
    code = ("import time\nfrom qicsim.run.evaluator import pool_map\n"
            "for _ in pool_map(time.sleep, [30] * 4, workers=2): pass\n")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len([pid for pid in descendants(proc.pid) if "LokyProcess" in cmdline(pid)]) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "the pool never started its workers"
            time.sleep(0.05)
        time.sleep(wait)
        workers = descendants(proc.pid)
        left = kill_and_watch(proc, workers)
    finally:
        stop_group(proc)
    assert not left, f"{len(left)} of {len(workers)} workers outlived their parent by 5 s"


def stop_group(proc: subprocess.Popen) -> None:
    """Kill what is left of a test's command and its process group (after a failed check)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def cmdline(pid: int) -> str:
    """A process's command line ("" if it is gone)."""
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


# --- a signal that lands where Python cannot raise it ---------------------------------------------------

SWALLOWED = """
import signal, sys, time, weakref
from qicsim.apps.cli import console
signal.signal(signal.SIGINT, signal.default_int_handler)  # as at a terminal (a background job ignores SIGINT)
console.install()
class Thing: pass
def stop(_): raise {stop}  # as the signal handler does, but inside a weakref callback
with console.guard("prog"):
    thing = Thing()
    ref = weakref.ref(thing, stop)
    del thing  # the callback runs here: Python can only report what it raises
    time.sleep(5)
    print("finished")
"""


@pytest.mark.parametrize(("stop", "code", "line"), [("console.Terminated", 143, "prog: terminated"),
                                                     ("KeyboardInterrupt", 130, "prog: interrupted")])
def test_a_signal_inside_a_weakref_callback_still_stops_the_command(stop: str, code: int, line: str) -> None:
    done = subprocess.run([sys.executable, "-c", SWALLOWED.replace("{stop}", stop)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert (done.returncode, done.stderr.strip(), done.stdout) == (code, line, "")

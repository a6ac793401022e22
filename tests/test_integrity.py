"""Data integrity (issue 24, items 1-6): a command writes only what it was asked to, where it was asked to.

The refusals are one table (:data:`REFUSALS`), the seed of a fault suite: each row is a command
run in this process, and every row must end the same way: the exit code (2, bad input), exactly
one line on stderr that names the setting or file, and nothing on disk written or changed (the
snapshot of the working folder and of the configs the command reads is the same after). Rows
that need a file made first say so in their ``setup``. The tests after the table check what a
command that is allowed to run must and must not write.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
CALIBRATION_REFERENCE = REPOSITORY / "results" / "calibration" / "peach"
# A calibration small enough for a test: 4 particles of one replication on 2 sites of 3 homes.
TINY_CALIBRATION = ["population=4", "generations=1", "replications=1", "sampler=single", "predictive_particles=1",
                    "predictive_replications=1", 'overrides=["structure.homes_per_site=[3,3]"]']


def snapshot(*roots: Path) -> dict[str, str]:
    """Every file (its SHA-256) and folder under the roots: equal snapshots mean nothing was written or changed."""
    state = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            state[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
    return state


@pytest.fixture
def own_configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's configs, used through $QICSIM_CONFIG_DIR: a test never touches the real ones."""
    folder = tmp_path / "configs"
    shutil.copytree(REPOSITORY / "configs", folder)
    monkeypatch.setenv("QICSIM_CONFIG_DIR", str(folder))
    return folder


# --- the table of refusals -------------------------------------------------------------------------


def invoke(program: str, argv: list[str]) -> int:
    """Run one of qicsim's commands in this process; return its exit code."""
    from qicsim.apps.cli import analyse, calibrate, validate
    from qicsim.apps.cli.main import run_command

    commands: dict[str, Callable[[list[str]], object]] = {
        "qicsim": run_command, "qicsim-analyse": analyse.main, "qicsim-calibrate": calibrate.main,
        "qicsim-validate": validate.main}
    try:
        code = commands[program](argv)
    except SystemExit as done:
        code = done.code
    return int(code or 0)


@dataclass(frozen=True)
class Refusal:
    """A command that must be refused.

    Attributes:
        name: The test's id.
        program: ``qicsim``, ``qicsim-analyse``, ``qicsim-calibrate`` or ``qicsim-validate``.
        argv: Its arguments; ``{tmp}`` is the test's folder, ``{configs}`` its copy of the configs.
        key: What the one line must name, right after ``<program>: error: ``.
        setup: Makes what the command needs in the test's folder first (it is part of the snapshot).
        code: The exit code.
    """

    name: str
    program: str
    argv: list[str]
    key: str
    setup: Callable[[Path, pytest.MonkeyPatch], None] = field(default=lambda tmp, monkeypatch: None)
    code: int = 2


def installed_configs(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Configs that sit inside an installed qicsim package (as a wheel's qicsim/configs)."""
    from qicsim.config import paths

    package = tmp / "site-packages" / "qicsim"
    shutil.copytree(REPOSITORY / "configs", package / "configs")
    monkeypatch.setattr(paths, "PACKAGE_ROOT", package)
    monkeypatch.setenv("QICSIM_CONFIG_DIR", str(package / "configs"))


QUICK_PLOT = ["--replications", "1", "--ensemble", "none"]


def earlier_plot(path: Path) -> None:
    """A file made earlier, which a command must not write over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("made earlier\n")


def small_sweep(folder: Path) -> None:
    """A synthetic factorial sweep (collected dataset and manifest) to analyse."""
    from helpers.analysis import factorial, write_sweep
    from test_analysis_cli import outcomes

    data, design = factorial(outcomes, codes=("C1", "C4"), replications=3)
    write_sweep(folder, data, design)


def finished_run(folder: Path) -> None:
    """A complete result folder of a small run."""
    import qicsim

    qicsim.run("peach", overrides=["structure.homes_per_site=[3,3]", "run.figure=false"], replications=1,
               output=folder)


QUICK_COMPARE = ["--replications", "2", "--ensemble", "none", "--out", "{tmp}/compared"]
TWICE = "contexts.protected_time.schedule=[{week: 52, intensity: 0},{week: 52, intensity: 1}]"


def funding_option(folder: Path, body: str) -> None:
    """A funding option of the user's, ``mine.yaml`` (a YAML file given to --options)."""
    (folder / "mine.yaml").write_text(f"description: mine\n{body}\n")


REFUSALS = [
    # item 1: shipping an ensemble is asked for, and never goes into the installed package
    Refusal("ship_into_installed_package", "qicsim-calibrate",
            ["peach", "--ship", *TINY_CALIBRATION, "--results-dir", "{tmp}/scratch", "--quiet"], "--ship",
            setup=installed_configs),
    Refusal("ship_without_a_name", "qicsim-calibrate",
            ["peach", "--ship", "ship_as=null", *TINY_CALIBRATION, "--results-dir", "{tmp}/scratch", "--quiet"],
            "calibration.ship_as"),
    # item 3: a calibration's names are plain folder names, so every write stays under its root
    Refusal("calibration_name_climbs_out", "qicsim-calibrate",
            # deep enough that, before the fix, the escape stayed inside the test's folder
            ["peach", "name=../../..", *TINY_CALIBRATION, "--results-dir", "{tmp}/a/b/c/scratch", "--quiet"],
            "calibration.name"),
    Refusal("calibration_ship_as_climbs_out", "qicsim-calibrate",
            ["peach", "--ship", "ship_as=../../..", *TINY_CALIBRATION, "--results-dir", "{tmp}/scratch", "--quiet"],
            "calibration.ship_as"),
    # item 4: nothing earlier is written over
    Refusal("plot_over_an_earlier_plot", "qicsim",
            ["plot", "peach", *QUICK_PLOT, "--out", "{tmp}/earlier.png"], "{tmp}/earlier.png",
            setup=lambda tmp, monkeypatch: earlier_plot(tmp / "earlier.png")),
    Refusal("plot_over_an_earlier_plots_record", "qicsim",
            ["plot", "peach", *QUICK_PLOT, "--out", "{tmp}/earlier.png"], "{tmp}/earlier.json",
            setup=lambda tmp, monkeypatch: earlier_plot(tmp / "earlier.json")),
    Refusal("plot_over_the_default_plot", "qicsim", ["plot", "peach", *QUICK_PLOT], "results/plots/peach.png",
            setup=lambda tmp, monkeypatch: earlier_plot(tmp / "results" / "plots" / "peach.png")),
    Refusal("analysis_into_a_finished_run", "qicsim-analyse",
            ["{tmp}/sweep", "--bootstrap", "20", "--out", "{tmp}/run"], "{tmp}/run",
            setup=lambda tmp, monkeypatch: (small_sweep(tmp / "sweep"), finished_run(tmp / "run"))),
    Refusal("analysis_into_a_folder_with_files", "qicsim-analyse",
            ["{tmp}/sweep", "--bootstrap", "20", "--out", "{tmp}/notes"], "{tmp}/notes",
            setup=lambda tmp, monkeypatch: (small_sweep(tmp / "sweep"), earlier_plot(tmp / "notes" / "mine.txt"))),
    # item 5: a what-if changes the model in every programme; it never replaces the programme (or how it runs)
    Refusal("validate_with_the_programme_replaced", "qicsim-validate",
            ["--replications", "2", "scenario=no_contexts", "--out", "{tmp}/X"], "scenario"),
    Refusal("validate_with_the_programme_added", "qicsim-validate",
            ["--replications", "2", "+scenario=no_contexts", "--out", "{tmp}/X"], "scenario"),
    Refusal("validate_with_a_run_setting", "qicsim-validate",
            ["--replications", "2", "run.seed=3", "--out", "{tmp}/X"], "run.seed"),
    # item 6: numbers that are not numbers, ambiguous schedules, settings a funding option cannot make
    Refusal("cost_item_nan", "qicsim", ["compare", "--options", "{tmp}/mine.yaml", *QUICK_COMPARE],
            "{tmp}/mine.yaml: items.coaching_hours_per_site_week",
            setup=lambda tmp, monkeypatch: funding_option(tmp, "items: {coaching_hours_per_site_week: .nan}")),
    Refusal("cost_item_inf", "qicsim", ["compare", "--options", "{tmp}/mine.yaml", *QUICK_COMPARE],
            "{tmp}/mine.yaml: items.coaching_hours_per_site_week",
            setup=lambda tmp, monkeypatch: funding_option(tmp, "items: {coaching_hours_per_site_week: .inf}")),
    Refusal("funding_option_sets_replications", "qicsim", ["compare", "--options", "{tmp}/mine.yaml", *QUICK_COMPARE],
            "{tmp}/mine.yaml: overrides: run.replications",
            setup=lambda tmp, monkeypatch: funding_option(tmp, "overrides: [run.replications=3]")),
    Refusal("funding_option_sets_hydra", "qicsim", ["compare", "--options", "{tmp}/mine.yaml", *QUICK_COMPARE],
            "{tmp}/mine.yaml: overrides: hydra.run.dir",
            setup=lambda tmp, monkeypatch: funding_option(tmp, "overrides: [hydra.run.dir=elsewhere]")),
    Refusal("compare_one_option_alone", "qicsim", ["compare", "--options", "{tmp}/mine.yaml", *QUICK_COMPARE],
            "--options", setup=lambda tmp, monkeypatch: funding_option(tmp, "items: {funded_events: 1}")),
    Refusal("calibration_max_minutes_nan", "qicsim-calibrate",
            ["peach", "max_minutes=nan", *TINY_CALIBRATION, "--results-dir", "{tmp}/scratch", "--quiet"],
            "calibration.max_minutes"),
    Refusal("calibration_epsilon_floor_nan", "qicsim-calibrate",
            ["peach", "epsilon_floor=nan", *TINY_CALIBRATION, "--results-dir", "{tmp}/scratch", "--quiet"],
            "calibration.epsilon_floor"),
    Refusal("calibration_target_nan", "qicsim-calibrate",
            ["peach", "targets.spread.value=nan", *TINY_CALIBRATION, "--results-dir", "{tmp}/scratch", "--quiet"],
            "calibration.targets.spread.value"),
    Refusal("schedule_with_a_week_twice", "qicsim",
            ["plot", f"peach:{TWICE}", *QUICK_PLOT, "--out", "{tmp}/twice.png"],
            "contexts.protected_time.schedule[1].week"),
]


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in REFUSALS])
def test_refused(case: Refusal, own_configs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    case.setup(work, monkeypatch)
    capsys.readouterr()
    before = snapshot(tmp_path)
    argv = [a.replace("{tmp}", str(work)).replace("{configs}", str(own_configs)) for a in case.argv]
    code = invoke(case.program, argv)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == case.code, (code, captured.err)
    assert len(lines) == 1, captured.err
    program = f"qicsim {argv[0]}" if case.program == "qicsim" else case.program  # its subcommands name themselves
    key = case.key.replace("{tmp}", str(work))
    assert lines[0].startswith(f"{program}: error: {key}"), lines[0]
    assert "allowed" in lines[0] or "see" in lines[0], lines[0]
    assert snapshot(tmp_path) == before, "a refused command wrote or changed a file"


# --- item 1: qicsim-calibrate ships an ensemble only when asked ------------------------------------


@pytest.mark.slow
def test_calibration_ships_its_ensemble_only_when_asked(own_configs: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from qicsim.apps.cli.calibrate import main

    shipped = snapshot(own_configs)
    main(["peach", *TINY_CALIBRATION, "--results-dir", str(tmp_path / "scratch"), "--quiet"])
    folder = tmp_path / "scratch" / "peach"
    assert (folder / "ensemble.csv").is_file()
    assert snapshot(own_configs) == shipped, "a calibration changed the shipped configs without --ship"
    main(["peach", *TINY_CALIBRATION, "--results-dir", str(tmp_path / "scratch"), "--quiet", "--ship"])
    assert "shipped" in capsys.readouterr().out
    for suffix in (".csv", ".json"):
        assert (own_configs / "ensemble" / f"peach{suffix}").read_bytes() == (folder / f"ensemble{suffix}").read_bytes()


@pytest.mark.slow
def test_a_finished_calibration_is_left_as_it_is(own_configs: Path, tmp_path: Path) -> None:
    """A finished calibration, run again: the report is rewritten, its record and ensemble are not touched."""
    from qicsim.apps.cli.calibrate import main

    folder = tmp_path / "calibration" / "peach"
    main(["peach", *TINY_CALIBRATION, "--results-dir", str(tmp_path / "calibration"), "--quiet"])
    kept = ("calibration.json", "ensemble.json", "ensemble.csv", "history.db")
    before = {name: (folder / name).read_bytes() for name in kept}
    configs = snapshot(own_configs)
    main(["peach", *TINY_CALIBRATION, "--results-dir", str(tmp_path / "calibration"), "--quiet"])
    after = {name: (folder / name).read_bytes() for name in kept}
    assert after == before
    assert snapshot(own_configs) == configs


@pytest.mark.slow
def test_the_committed_calibration_under_another_structure_is_another_calibration(
        own_configs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The committed calibration was made under peach_2026; under the default structure it is refused, untouched."""
    from qicsim.apps.cli.calibrate import main

    shutil.copytree(CALIBRATION_REFERENCE, tmp_path / "calibration" / "peach")
    before = snapshot(tmp_path / "calibration")
    with pytest.raises(SystemExit) as stopped:
        main(["peach", "predictive_particles=2", "predictive_replications=1", "--results-dir",
              str(tmp_path / "calibration"), "--quiet"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "holds another calibration" in error and len(error.splitlines()) == 1
    assert snapshot(tmp_path / "calibration") == before


# --- item 2: one writer per folder; check_complete holds the tables to the hashes written ----------

SMALL_RUN = ["structure.homes_per_site=[3,3]", "run.figure=false"]


def test_a_folder_another_run_is_writing_is_refused(tmp_path: Path) -> None:
    from filelock import FileLock

    import qicsim
    from qicsim.errors import DataError
    from qicsim.run.folders import CLAIM

    out = tmp_path / "run"
    out.mkdir()
    with FileLock(out / CLAIM):  # as another process holds it while it writes there
        before = snapshot(tmp_path)
        with pytest.raises(DataError, match=r"another qicsim command is writing into it"):
            qicsim.run("peach", overrides=SMALL_RUN, replications=1, output=out)
        assert snapshot(tmp_path) == before


def test_check_complete_holds_the_tables_to_what_the_run_wrote(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer replaces runs.csv after this run wrote it, before its provenance: the folder is not complete."""
    import qicsim
    from qicsim.errors import DataError
    from qicsim.run import output
    from qicsim.run.output import check_complete

    other = qicsim.run("peach", overrides=SMALL_RUN, replications=1, seed=2, output=tmp_path / "other")
    joined = output.join_tables

    def join_then_overwritten(folder: Path) -> list[Path]:
        written = joined(folder)
        shutil.copyfile(other.folder / "runs.csv", folder / "runs.csv")
        return written

    monkeypatch.setattr(output, "join_tables", join_then_overwritten)
    qicsim.run("peach", overrides=SMALL_RUN, replications=1, seed=1, output=tmp_path / "run")
    with pytest.raises(DataError, match=r"runs\.csv: missing or altered"):
        check_complete(tmp_path / "run")


@pytest.mark.slow
def test_two_runs_started_into_one_folder(tmp_path: Path) -> None:
    """The issue's two runs, started together: one writes the folder, the other is refused in one line."""
    import subprocess

    import pandas as pd
    from helpers.cli import qicsim_script

    from qicsim import replication_seed
    from qicsim.run.output import PROVENANCE, check_complete

    folder = tmp_path / "X"
    procs = [subprocess.Popen([str(qicsim_script()), f"hydra.run.dir={folder}", "run.replications=3",
                               f"run.seed={seed}", *SMALL_RUN], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    ended = [(proc.wait(timeout=300), *proc.communicate()) for proc in procs]
    assert sorted(code for code, _, _ in ended) == [0, 2], ended
    loser = next(err for code, _, err in ended if code == 2)
    assert len(loser.strip().splitlines()) == 1 and str(folder) in loser, loser
    prov = check_complete(folder)
    assert not (folder / ".qicsim.lock").exists(), "a finished folder holds its result's files only"
    seed = prov["master_seed"]
    runs = pd.read_csv(folder / "runs.csv")
    assert runs["seed"].tolist() == [replication_seed(seed, i) for i in range(3)]
    assert runs["seed"].tolist() == prov["replication_seeds"]
    assert __import__("json").loads((folder / PROVENANCE).read_text())["master_seed"] == seed


@pytest.mark.slow
def test_two_identical_sweeps_run_each_job_once(tmp_path: Path) -> None:
    import subprocess

    import pandas as pd
    from helpers.cli import qicsim_script
    from helpers.sweep import FOLDER, POINTS, REPLICATIONS, SMALL_SWEEP, dataset_of

    procs = [subprocess.Popen([str(qicsim_script()), *SMALL_SWEEP], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    ended = [(proc.wait(timeout=600), *proc.communicate()) for proc in procs]
    assert [code for code, _, _ in ended] == [0, 0], [err[-2000:] for _, _, err in ended]
    said = "".join(out for _, out, _ in ended)
    assert said.count(": ran,") == 3, said  # the sweep's 3 jobs, each run by one of the two
    assert said.count("done before") == 3, said
    data = dataset_of(tmp_path / "results" / "sweeps" / FOLDER)
    assert len(data) == POINTS * REPLICATIONS
    assert not data.duplicated(["point", "replication"]).any()
    assert isinstance(data, pd.DataFrame)


# --- item 3: folder names are safe, and every write stays under its root -----------------------------

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.,=+-]*")
HOSTILE = [
    ("../../../../elsewhere", ""),
    ("<script>alert(1)</script>", ""),
    ("..", ""),
    (".hidden", ""),
    ("peach", "contexts.protected_time.schedule=[{week: 52, intensity: 0}]"),
    ("peach", "+contexts.alignment.sites.site_1=0.2"),
    ("peach", "parameters.voice_prob=0.2+" + "contexts.alignment.intensity=0.5+" * 20),
    ("peach", "description=../../x"),
]


@pytest.mark.parametrize(("scenario", "overrides"), HOSTILE)
def test_run_folder_names_are_safe(scenario: str, overrides: str) -> None:
    from qicsim.config.loader import run_label

    name = run_label(scenario, overrides)
    assert SAFE_NAME.fullmatch(name) and len(name) <= 100, name
    assert ".." not in name and name == run_label(scenario, overrides)


def test_run_folder_names_stay_plain_and_tell_apart() -> None:
    from qicsim.config.loader import run_label

    assert run_label("peach", "") == "peach"
    assert run_label("peach", "parameters.voice_prob=0.2").startswith("peach+parameters.voice_prob=0.2-")
    schedule = run_label("peach", "contexts.protected_time.schedule=[{week: 52, intensity: 0}]")
    assert schedule.startswith("peach+contexts.protected_time.schedule=week_52,intensity_0-"), schedule
    # Overrides whose slugs agree still get folders of their own (the hash is of the full text).
    assert run_label("peach", "structure.homes_per_site=[3,3]") != run_label("peach", "structure.homes_per_site=3,3")


def test_a_scenario_name_cannot_climb_out_of_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qicsim.config.loader import compose_config

    mine = tmp_path / "mine" / "scenario"
    mine.mkdir(parents=True)
    for stem, name in (("climber", "../../../../elsewhere"), ("script", "<script>alert(1)</script>")):
        (mine / f"{stem}.yaml").write_text(f"# @package _global_\nscenario: '{name}'\ndescription: x\n")
    monkeypatch.chdir(tmp_path)
    for stem in ("climber", "script"):
        cfg = compose_config([f"hydra.searchpath=[file://{mine.parent}]", f"scenario={stem}"], with_hydra=True)
        folder = Path(str(cfg.hydra.run.dir))
        assert folder.parts[0] == "results" and len(folder.parts) == 3, folder  # results/<name>/<time>
        assert (tmp_path / folder).resolve().is_relative_to(tmp_path / "results"), folder


@pytest.mark.slow
def test_the_folder_name_and_what_it_stands_for_are_in_the_provenance(tmp_path: Path) -> None:
    import json
    import subprocess

    from helpers.cli import qicsim_script

    schedule = "contexts.protected_time.schedule=[{week: 52, intensity: 0}]"
    proc = subprocess.run([str(qicsim_script()), "run.replications=1", *SMALL_RUN, schedule], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    (folder,) = (tmp_path / "results").glob("*/*")
    label = json.loads((folder / "provenance.json").read_text())["label"]
    assert label["name"] == folder.parent.name
    assert schedule in label["overrides"] and label["name"].endswith(label["sha256"][:8])


# --- item 5: the validation table labels what ran ----------------------------------------------------


def test_each_programme_is_composed_as_itself() -> None:
    from qicsim.errors import ConfigError
    from qicsim.studies.validation.check import compose_all

    configs = compose_all(["peach", "prosper"], 1, 1, ["parameters.voice_prob=0.2"])
    assert {name: config.scenario for name, config in configs.items()} == {"peach": "peach", "prosper": "prosper"}
    with pytest.raises(ConfigError, match=r"^scenario: "):  # below the command's check: the guard itself
        compose_all(["peach", "prosper"], 1, 1, ["scenario=no_contexts"])


# --- item 6: a schedule names each week once -----------------------------------------------------------


@pytest.mark.parametrize(("steps", "key"), [
    ("[{week: 52, intensity: 0}, {week: 52, intensity: 1}]", r"contexts\.protected_time\.schedule\[1\]\.week"),
    ("[{week: 60, intensity: 0, site: site_1}, {week: 10, intensity: 1}, {week: 60, intensity: 1, site: site_1}]",
     r"contexts\.protected_time\.schedule\[2\]\.week"),
])
def test_a_schedule_that_names_a_week_twice_is_refused(steps: str, key: str) -> None:
    import qicsim
    from qicsim.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"^{key}: week \d+ is given twice") as raised:
        qicsim.scenario_config("peach", [f"contexts.protected_time.schedule={steps}"])
    assert "\n" not in str(raised.value)


def test_a_week_for_all_sites_and_one_for_a_site_are_not_twice() -> None:
    import qicsim

    steps = "[{week: 52, intensity: 0}, {week: 52, intensity: 1, site: site_1}]"
    config = qicsim.scenario_config("peach", [f"contexts.protected_time.schedule={steps}"])
    assert len(config.contexts.protected_time.schedule) == 2

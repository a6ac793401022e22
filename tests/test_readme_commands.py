"""The README's commands work as shown on a fresh clone (issue 24, item 14).

Every line of the README's ``sh`` and ``bash`` code blocks is a command a reader may type. Each is
either run here, verbatim, on a ``git clone`` of this repository's HEAD (the console scripts of the
current virtual environment on ``PATH``, the clone's ``.venv`` a link to it, the clone as the working
folder), or listed in :data:`NOT_RUN` with the reason it cannot run in a test. A command that is
neither fails :func:`test_every_readme_command_is_run_or_listed`, so a new README command must be
given one or the other.

Expensive commands are shrunk in one explicit way: the arguments in :data:`SMALLER` are appended to
the README's text (the comment after ``#`` dropped first). They come last, so they win over the
README's own values (``run.replications=50 run.replications=2`` runs 2; argparse and the
calibration's ``key=value`` settings take the last value too); everything the README's text says
is still parsed and checked. :data:`SET_UP` makes what a command expects the reader to have made
(their own scenario file).

After the commands, the committed results are as they were: ``git status`` of the clone shows no
tracked file changed except the ensemble that ``--ship`` is documented to write.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent

# --- what is not run, and why (the whole command, its comment dropped) ---------------------------------

NOT_RUN = {
    'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/qicsim':
        "the set-up: a new virtual environment installed from the package registry; CI's first step "
        "(.ci/run) runs it verbatim on a clean clone",
    ".venv/bin/python -m pytest -n 2":
        "every test, this one among them; CI's first step (.ci/run) runs it verbatim",
    "qicsim-dashboard":
        "a server that runs until stopped; tests/test_dashboard_browser.py starts it and drives it in a browser",
    "qicsim experiment=context_factorial hydra/launcher=slurm hydra.launcher.partition=compute":
        "needs a Slurm cluster; tests/test_sweep_launchers.py checks the launcher's config",
    ".venv/bin/qicsim-calibrate programmes sampler=dask dask_scheduler=tcp://head-node:8786":
        "needs a running Dask scheduler; tests/test_selection.py runs the same calibration on a Dask LocalCluster",
    "nice -n 10 .venv/bin/python experiments/ensemble_conclusions.py":
        "rebuilds the committed reference results/reference/ensemble_one_at_a_time/ (2,000 runs, many minutes); "
        "the sweep it runs is the README command just above it, run here small",
}

# --- how the expensive ones are made small (appended, so they override the README's values) ----------------

TINY_SWEEP = "sweep.only=[protected_time,alignment] run.replications=1 'structure.homes_per_site=[3,3]'"
TINY_CALIBRATION = ("population=10 replications=1 generations=1 sampler=single predictive_particles=2 "
                    "predictive_replications=1 'overrides=[\"structure.homes_per_site=[3,3]\"]' --quiet")
TINY_SELECTION = ("population=6 sampler=single max_generations=1 min_generations=1 predictive_particles=2 "
                  "ensemble_size=5 'targets=[peach_spread,peach_measured_share]' --quiet")
SMALLER = {
    "qicsim": "run.replications=2",
    "qicsim scenario=all_contexts run.replications=50": "run.replications=2",
    "qicsim scenario=without_protected_time run.seed=7": "run.replications=2",
    "qicsim contexts.protected_time.intensity=1": "run.replications=2",
    "qicsim parameters.care_turnover_per_year=0.4 structure.collaborative_weeks=104": "run.replications=2",
    "qicsim contexts.learning_events.intensity=0.5": "run.replications=2",
    "qicsim +contexts.alignment.sites.site_2=0.2": "run.replications=2",
    "qicsim 'contexts.protected_time.schedule=[{week: 52, intensity: 0}]'": "run.replications=2",
    "qicsim 'structure.homes_per_site=[5,5,10]'": "run.replications=2",
    "qicsim hydra.searchpath=[file://$HOME/qic] scenario=my_home_group": "run.replications=2",
    "qicsim compare --homes 30 --weeks 104 --budget 200000 --replications 20 --out results/compare/my_case":
        "--replications 2",
    "qicsim compare --options baseline coaching full --ensemble none": "--replications 2 --homes 6 --weeks 20",
    "qicsim compare --homes 30 --weeks 104 --budget 200000 --optimise --psa 1000 --out results/compare/commissioner":
        "--replications 2 --homes 6 --weeks 20 --psa 2 --levels protected_time=0 facilitation=0,1.5 coaching=0 "
        "data_support=0 extra_events=0 meetings_in_homes=0,1",
    "qicsim plot peach 'peach:contexts.protected_time.intensity=0'": "--replications 2",
    "qicsim plot peach 'peach:contexts.meetings_in_care_homes.intensity=0' --outcome attendances_care_home":
        "--replications 2",
    ".venv/bin/qicsim experiment=context_factorial": TINY_SWEEP,
    ".venv/bin/qicsim experiment=context_factorial hydra/launcher=joblib": TINY_SWEEP,
    ".venv/bin/qicsim experiment=ensemble_one_at_a_time sweep.ensemble=results/reference/prior_ensemble.csv":
        "sweep.only=[protected_time] sweep.ensemble_draws=2 run.replications=1 'structure.homes_per_site=[3,3]'",
    "qicsim-validate": "--replications 2",
    "qicsim-validate --ensemble peach structure=peach_2026": "--replications 2",
    "qicsim-validate --ensemble": "--replications 2",
    ".venv/bin/qicsim-calibrate peach --results-dir results/mine": TINY_CALIBRATION,
    ".venv/bin/qicsim-calibrate peach population=50 n_procs=1 name=peach_50 --results-dir results/mine":
        TINY_CALIBRATION,
    ".venv/bin/qicsim-calibrate peach --results-dir results/mine --ship": TINY_CALIBRATION,
    ".venv/bin/qicsim-calibrate programmes --results-dir results/mine": TINY_SELECTION,
    ".venv/bin/qicsim-calibrate programmes max_minutes=60 --results-dir results/mine": TINY_SELECTION,
}

# Tracked files a README command is documented to change: --ship writes the shipped ensemble.
MAY_CHANGE = {"configs/ensemble/peach.csv", "configs/ensemble/peach.json"}


def own_scenario(clone: Path, home: Path) -> None:
    """The reader's own scenario, ``~/qic/scenario/my_home_group.yaml``, as "Your own scenarios" describes it."""
    (home / "qic" / "scenario").mkdir(parents=True)
    (home / "qic" / "scenario" / "my_home_group.yaml").write_text(
        "# @package _global_\ndefaults:\n  - peach\n  - _self_\nscenario: my_home_group\n"
        "structure:\n  homes_per_site: [4, 3]\n")


SET_UP: dict[str, Callable[[Path, Path], None]] = {
    "qicsim hydra.searchpath=[file://$HOME/qic] scenario=my_home_group": own_scenario,
}


def readme_commands(text: str | None = None) -> list[str]:
    """Each command of the README's ``sh`` and ``bash`` blocks, its trailing comment dropped, in order."""
    text = README.read_text() if text is None else text
    commands = []
    for block in re.finditer(r"^```(?:sh|bash)\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        for line in block.group(1).splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()  # a comment follows whitespace; '#' in a value does not
            if command:
                commands.append(command)
    return commands


def test_every_readme_command_is_run_or_listed() -> None:
    commands = readme_commands()
    assert len(commands) >= 25, "the README's code blocks were not found"
    unknown = [c for c in commands if c not in NOT_RUN and c not in SMALLER and c not in CHEAP]
    assert not unknown, f"README commands neither run by this test nor listed in NOT_RUN (with a reason): {unknown}"
    stale = [c for c in [*NOT_RUN, *SMALLER, *SET_UP] if c not in commands]
    assert not stale, f"entries for commands the README no longer shows: {stale}"
    assert all(reason for reason in NOT_RUN.values())


def test_the_extractor_drops_comments_but_not_values() -> None:
    text = "```sh\nqicsim a=1   # note\nqicsim 'b=[{c: 1}]'\n```\n```text\n$ qicsim x\n```\n"
    assert readme_commands(text) == ["qicsim a=1", "qicsim 'b=[{c: 1}]'"]


# Commands that are cheap as they stand (help, a printed config).
CHEAP = {"qicsim --cfg job", "qicsim --help", "qicsim plot --help"}


@pytest.mark.slow
def test_readme_commands_work_as_shown_on_a_fresh_clone(tmp_path: Path) -> None:
    clone, home = tmp_path / "clone", tmp_path / "home"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    home.mkdir()
    (clone / ".venv").symlink_to(Path(sys.prefix))  # the README's .venv/bin/... are this environment's
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "PYTHONPATH")}
    env.update({"PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "HOME": str(home), "MPLBACKEND": "Agg",
                "QICSIM_CONFIG_DIR": str(clone / "configs"),  # --ship writes into the clone's configs, not ours
                "MPLCONFIGDIR": str(tmp_path / "mpl"), "OPENBLAS_NUM_THREADS": "1"})
    ran, timings = [], []
    for command in readme_commands():
        if command in NOT_RUN:
            continue
        if command in SET_UP:
            SET_UP[command](clone, home)
        line = f"{command} {SMALLER.get(command, '')}".strip()
        started = time.monotonic()
        done = subprocess.run(["bash", "-c", line], cwd=clone, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=600)
        timings.append((round(time.monotonic() - started, 1), command))
        assert done.returncode == 0, f"{line}\nexit {done.returncode}\n{done.stderr[-3000:]}"
        assert "Traceback" not in done.stderr, f"{line}\n{done.stderr[-3000:]}"
        ran.append(command)
    print(f"ran {len(ran)} README commands, {len(NOT_RUN)} listed as not run:", *sorted(timings, reverse=True),
          sep="\n  ")
    assert len(ran) + len(NOT_RUN) == len(readme_commands())
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=clone, check=True,
                            capture_output=True, text=True).stdout.splitlines()
    changed = {line[3:] for line in status} - MAY_CHANGE
    assert not changed, f"README commands changed committed files: {sorted(changed)}"

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


REFUSALS = [
    # item 1: shipping an ensemble is asked for, and never goes into the installed package
    Refusal("ship_into_installed_package", "qicsim-calibrate",
            ["peach", "--ship", *TINY_CALIBRATION, "--results-dir", "{tmp}/scratch", "--quiet"], "--ship",
            setup=installed_configs),
    Refusal("ship_without_a_name", "qicsim-calibrate",
            ["peach", "--ship", "ship_as=null", *TINY_CALIBRATION, "--results-dir", "{tmp}/scratch", "--quiet"],
            "calibration.ship_as"),
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
    assert lines[0].startswith(f"{case.program}: error: {case.key}"), lines[0]
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
    """The committed calibration, run again: the report is rewritten, its record and ensemble are not touched."""
    from qicsim.apps.cli.calibrate import main

    shutil.copytree(CALIBRATION_REFERENCE, tmp_path / "calibration" / "peach")
    kept = ("calibration.json", "ensemble.json", "ensemble.csv", "history.db")
    before = {name: (tmp_path / "calibration" / "peach" / name).read_bytes() for name in kept}
    configs = snapshot(own_configs)
    # Fewer predictive draws than the reference (they do not change what was sampled): a quicker report.
    main(["peach", "predictive_particles=2", "predictive_replications=1", "--results-dir",
          str(tmp_path / "calibration"), "--quiet"])
    after = {name: (tmp_path / "calibration" / "peach" / name).read_bytes() for name in kept}
    assert after == before
    assert snapshot(own_configs) == configs

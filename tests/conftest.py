"""Shared fixtures: the ``qicsim`` console script, a small real CLI run, small model settings.

Nothing here is autouse or changes global settings, so other test modules are unaffected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# A small structure that keeps runs fast; the PEACH scenario's schedules still fit (130 weeks).
SMALL_OVERRIDES = ("structure.homes_per_site=[3,3]",)
CLI_RUN_ARGS = ("run.replications=2", "structure.homes_per_site=[3,3]")

CliRunner = Callable[..., subprocess.CompletedProcess]


def qicsim_script() -> Path:
    """The ``qicsim`` console script of the interpreter running the tests."""
    bindir = Path(sys.executable).parent
    for name in ("qicsim", "qicsim.exe"):
        if (bindir / name).is_file():
            return bindir / name
    pytest.fail(f"no qicsim console script next to {sys.executable}; install qicsim in this environment")


def run_cli(args: list[str] | tuple[str, ...], cwd: Path, timeout: float = 180,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real ``qicsim`` console script in ``cwd`` and capture its output (``env``: added variables)."""
    env = {**{k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "QICSIM_CONFIG_DIR")},
           **(env or {})}
    return subprocess.run([str(qicsim_script()), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)


@pytest.fixture(scope="session")
def cli() -> CliRunner:
    """Callable ``cli(args, cwd)`` running the console script."""
    return run_cli


@pytest.fixture(scope="session")
def small_overrides() -> list[str]:
    """Overrides for a small, fast structure (2 sites of 3 homes)."""
    return list(SMALL_OVERRIDES)


@pytest.fixture(scope="session")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """One real small CLI run (2 replications, 2 sites of 3 homes), shared by several tests.

    Returns:
        The completed process, the working directory and the result folder it wrote.
    """
    cwd = tmp_path_factory.mktemp("cli_run")
    # A fresh matplotlib cache: its first use is what a new user sees.
    proc = run_cli(CLI_RUN_ARGS, cwd, env={"MPLCONFIGDIR": str(tmp_path_factory.mktemp("mplconfig"))})
    assert proc.returncode == 0, proc.stderr
    folders = [p for p in (cwd / "results").glob("*/*") if p.is_dir()]
    assert len(folders) == 1, folders
    return proc, cwd, folders[0]

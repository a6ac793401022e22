"""Shared fixtures: the ``qicsim`` console script, a small real CLI run, small model settings (helpers in ``helpers/``).

Nothing here is autouse or changes global settings, so other test modules are unaffected.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers.cli import CLI_RUN_ARGS, SMALL_OVERRIDES, CliRunner, run_cli

# Tests that run the console script (a child process, about 2 s each here) are slow: the
# quick suite (-m "not slow") leaves them to the full run and CI.
SLOW_FIXTURES = frozenset({"cli", "cli_run"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the console script ``slow``."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


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

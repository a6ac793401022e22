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


# The modules with the longest tests, longest first (durations of a full run beside a recovery run,
# 2026-12-07: the README commands 462 s in one test, the engine's equivalence 288 s, a mutant's
# battery 275 s, a mechanism battery 226 s, ...). They are run first: pytest-xdist hands tests out in
# collection order, so a long test collected late (these sort late by name) leaves the other worker
# idle while it ends.
LONGEST_FIRST = ("test_readme_commands.py", "test_engine_equivalence.py", "test_mutations.py", "test_mechanisms.py",
                 "test_cmo.py", "test_time_by_role.py", "test_calibration.py", "test_selection.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the console script ``slow``; put the modules of the longest tests first.

    Whole modules move, in their own order, so that a module's fixtures are still set up once per worker.
    """
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: other tests keep their order


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

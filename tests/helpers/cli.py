"""The real ``qicsim`` console script, run as a child process by the tests that need it."""

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

"""Long runs and sweeps show a progress bar with the time left on a terminal, and nothing otherwise."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path

import pytest
from helpers.cli import qicsim_script
from helpers.sweep import FOLDER, SMALL_SWEEP

pytestmark = pytest.mark.slow  # every test runs the console script

BAR_MARKS = ("%|", "run/s", "<")  # tqdm: percentage bar, rate, "elapsed<remaining"


def run_on_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run qicsim with stderr on a pseudo-terminal; return its exit code and what it drew."""
    main, secondary = pty.openpty()
    # A real terminal has a size; a fresh pseudo-terminal is 0 x 0, where tqdm draws nothing.
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen([str(qicsim_script()), *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=secondary)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:  # the terminal closes when the process exits
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return proc.wait(timeout=120), b"".join(chunks).decode(errors="replace")


def test_sweep_draws_a_bar_with_time_left_on_a_terminal(tmp_path: Path) -> None:
    code, drawn = run_on_terminal(list(SMALL_SWEEP), tmp_path)
    assert code == 0, drawn[-2000:]
    assert f"{FOLDER} job 1/3" in drawn
    assert all(mark in drawn for mark in BAR_MARKS), drawn[-1000:]


def test_single_run_draws_a_bar_on_a_terminal(tmp_path: Path) -> None:
    code, drawn = run_on_terminal(["run.replications=3", "structure.homes_per_site=[3,3]"], tmp_path)
    assert code == 0, drawn[-2000:]
    assert "peach" in drawn and all(mark in drawn for mark in BAR_MARKS), drawn[-1000:]


def test_no_bar_when_output_is_not_a_terminal(cli, tmp_path: Path) -> None:
    proc = cli(list(SMALL_SWEEP), tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not any(mark in proc.stderr for mark in ("%|", "run/s"))
    single = cli(["run.replications=3", "structure.homes_per_site=[3,3]"], tmp_path)
    assert single.returncode == 0 and "%|" not in single.stderr and "run/s" not in single.stderr

"""Every console script says a bad flag in one line (no usage block) and exits 2 (issue 24, item 10).

The real console scripts run as child processes: Hydra's parser (``qicsim``) and argparse's
usage block are what a user sees, so nothing is called in-process here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # child processes

BIN = Path(sys.executable).parent


def script(name: str) -> Path:
    """A console script of the interpreter running the tests."""
    path = BIN / name
    if not path.is_file():
        pytest.fail(f"no {name} console script next to {sys.executable}; pip install -e '.[test]'")
    return path


@pytest.mark.parametrize(("command", "program"), [
    (["qicsim", "--bogus"], "qicsim"),  # Hydra's parser
    (["qicsim", "plot", "peach", "--bogus"], "qicsim plot"),
    (["qicsim", "compare", "--bogus"], "qicsim compare"),
    (["qicsim-collect", "somewhere", "--bogus"], "qicsim-collect"),
    (["qicsim-validate", "--bogus"], "qicsim-validate"),
    (["qicsim-dashboard", "--bogus"], "qicsim-dashboard"),
    (["qicsim-analyse", "somewhere", "--bogus"], "qicsim-analyse"),
    (["qicsim-calibrate", "--bogus"], "qicsim-calibrate"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_an_unknown_flag_is_one_line_and_exit_2(command: list[str], program: str, tmp_path: Path) -> None:
    done = subprocess.run([str(script(command[0])), *command[1:]], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, check=False)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{program}: error: unrecognized arguments: --bogus"), lines[0]
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing written

"""What the command imports before its first replication (issue 10: start-up of the default job), and
what the model and a plain run import at all (dependencies by need).

Hydra makes the sweep callback (``qicsim.studies.end_to_end.callbacks.CollectWhenDone``) in every run,
single runs included, so that module and the package around it must not pull in the
collector, the analyses or the model: a single run would pay for them before it starts.
The model, a run and ``qicsim --help`` need none of the studies' or the dashboard's packages
(pyproject.toml's extras ``studies`` and ``dashboard``); a study without them stops with one line.
Each check runs in a fresh interpreter, since the test session has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each check starts a Python child

HEAVY = ("mesa", "pandas", "scipy", "matplotlib", "qicsim.studies.analysis", "qicsim.studies.sweep.collect",
         "qicsim.model.model")


# The packages of the extras (pyproject.toml), by import name.
EXTRAS = ("pyabc", "ema_workbench", "sympy", "SALib", "openpyxl", "joblib", "submitit", "solara")
SMALL = ["structure.homes_per_site=[2]", "structure.collaborative_weeks=20", "structure.follow_up_weeks=4",
         "structure.learning_event_weeks=[0,10]", "run.replications=1"]


def imported_after(statement: str, modules: tuple[str, ...] = HEAVY, cwd: Path | None = None) -> set[str]:
    """The ``modules`` a fresh interpreter has loaded after running ``statement`` (also if it exits)."""
    code = (f"import atexit, json, sys\n"
            f"atexit.register(lambda: print(json.dumps([m for m in {modules!r} if m in sys.modules])))\n{statement}")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.parametrize("statement", ["import qicsim.studies.end_to_end.callbacks", "import qicsim.studies.end_to_end",
                                       "import qicsim.apps.cli.main"])
def test_start_up_modules_leave_the_heavy_packages_alone(statement: str) -> None:
    assert imported_after(statement) == set()


def test_the_lazy_names_still_load_on_first_use() -> None:
    loaded = imported_after("import qicsim.studies.end_to_end\nqicsim.studies.end_to_end.collect_and_analyse")
    assert {"qicsim.studies.analysis", "qicsim.studies.sweep.collect"} <= loaded


@pytest.mark.parametrize("statement", [
    "import qicsim.model",
    "import qicsim.model.model",
    "import qicsim.run.runner",
    "import qicsim\nqicsim.QICModel(seed=1).run()",
    f"import qicsim\nqicsim.run('peach', overrides={SMALL!r}, output='out')",
    f"import sys\nsys.argv = ['qicsim', *{SMALL!r}]\nfrom qicsim.apps.cli.main import main\nmain()",
    "import sys\nsys.argv = ['qicsim', '--help']\nfrom qicsim.apps.cli.main import main\nmain()",
], ids=["model", "model.model", "runner", "model run", "api run", "command run", "command help"])
def test_the_model_and_a_plain_run_import_no_extra(statement: str, tmp_path: Path) -> None:
    assert imported_after(statement, EXTRAS, cwd=tmp_path) == set()


def test_the_extras_packages_are_seen_when_a_study_loads_them(tmp_path: Path) -> None:
    loaded = imported_after("import qicsim.studies.calibration.smc, qicsim.studies.mechanism_checks.runs", EXTRAS)
    assert {"pyabc", "joblib"} <= loaded  # the check above can see a package of an extra


def test_a_study_without_its_extra_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    code = ("import sys\nsys.modules['pyabc'] = None  # as if not installed\n"
            "from qicsim.apps.cli.calibrate import main\nmain(['peach', '--quiet'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("qicsim-calibrate: error: pyabc: not installed (part of qicsim[studies]); "
                           "allowed: pip install 'qicsim[studies]'\n")
    assert not (tmp_path / "results").exists()

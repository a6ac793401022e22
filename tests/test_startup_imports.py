"""What the command imports before its first replication (issue 10: start-up of the default job).

Hydra makes the sweep callback (``qicsim.studies.end_to_end.callbacks.CollectWhenDone``) in every run,
single runs included, so that module and the package around it must not pull in the
collector, the analyses or the model: a single run would pay for them before it starts.
Each check runs in a fresh interpreter, since the test session has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # each check starts a Python child

HEAVY = ("mesa", "pandas", "scipy", "matplotlib", "qicsim.studies.analysis", "qicsim.studies.sweep.collect",
         "qicsim.model.model")


def imported_after(statement: str) -> set[str]:
    """The modules of HEAVY that a fresh interpreter has loaded after running ``statement``."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.parametrize("statement", ["import qicsim.studies.end_to_end.callbacks", "import qicsim.studies.end_to_end",
                                       "import qicsim.apps.cli.main"])
def test_start_up_modules_leave_the_heavy_packages_alone(statement: str) -> None:
    assert imported_after(statement) == set()


def test_the_lazy_names_still_load_on_first_use() -> None:
    loaded = imported_after("import qicsim.studies.end_to_end\nqicsim.studies.end_to_end.collect_and_analyse")
    assert {"qicsim.studies.analysis", "qicsim.studies.sweep.collect"} <= loaded

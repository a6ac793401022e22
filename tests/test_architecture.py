"""The package's architecture: four wings whose imports point one way, no import cycle, old paths aliased.

Wings, from the bottom: the foundation (``errors``, ``lazy``, ``deprecated`` at the top of the
package), ``model`` (the simulation and its inputs), ``config`` (beside the wings: it may read
the model's settings), ``run`` (one scenario run), ``studies`` (many runs), ``apps`` (what
people use). A module may import its own wing and the wings below it, never one above: the
imports are read from the source, including those inside functions (a lazy import is still an
arrow), but not those under ``if TYPE_CHECKING:`` (type hints only).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import qicsim

PACKAGE = Path(qicsim.__file__).resolve().parent
RANK = {"foundation": 0, "model": 1, "config": 2, "run": 3, "studies": 4, "apps": 5}
FOUNDATION = ("errors", "lazy", "deprecated")


def wing_of(module: str) -> str | None:
    """The wing of a dotted module name of qicsim (None for the package itself)."""
    parts = module.split(".")
    if parts[0] != "qicsim" or len(parts) == 1:
        return None
    return "foundation" if parts[1] in FOUNDATION else parts[1]


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:``."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            inside |= {id(sub) for stmt in node.body for sub in ast.walk(stmt)}
    return inside


def imports_of(path: Path, *, top_level_only: bool = False) -> set[str]:
    """The qicsim modules a file imports at run time (type-hint-only imports left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hints = _type_checking_blocks(tree)
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if id(node) in hints:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("qicsim")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("qicsim"):
            found.add(node.module)
            if node.module == "qicsim":  # from qicsim import x: x may be a module
                found |= {f"qicsim.{alias.name}" for alias in node.names}
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_four_wings_and_nothing_else_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__" and p.name != "configs")
    assert top == sorted(["__init__.py", *(f"{name}.py" for name in FOUNDATION), "model", "config", "run",
                          "studies", "apps"])


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_imports_point_down(path: Path) -> None:
    own = wing_of(module_name(path))
    if own is None:
        return  # the package's __init__ sits above everything: it re-exports the API
    upward = {m for m in imports_of(path) if m == "qicsim" or (wing_of(m) and RANK[wing_of(m)] > RANK[own])}
    assert not upward, f"{module_name(path)} ({own}) imports {sorted(upward)}, above it"


def test_no_import_cycle_between_modules() -> None:
    # Module-level imports only: these run at import time, where a cycle breaks or half-loads.
    graph = {module_name(p): {m for m in imports_of(p, top_level_only=True)} for p in MODULES}
    known = set(graph)
    graph = {name: {m for m in deps if m in known and m != name} for name, deps in graph.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep):], dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_checks_see_an_upward_import(tmp_path: Path) -> None:
    # The reader must catch an arrow that points up, or the tests above pass vacuously.
    bad = tmp_path / "bad.py"
    bad.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from qicsim.apps.cli import main\n"
                   "def f():\n    from qicsim.studies.paired import paired_effect\n")
    assert imports_of(bad) == {"qicsim.studies.paired"}


def test_old_import_paths_still_work_and_warn() -> None:
    import qicsim.run.runner as runner

    for old, new in (("qicsim.runner", "qicsim.run.runner"), ("qicsim.sweep.design", "qicsim.studies.sweep.design"),
                     ("qicsim.parameters", "qicsim.model.parameters")):
        for name in [name for name in sys.modules if name == old or old.startswith(f"{name}.")]:
            if name != "qicsim":
                sys.modules.pop(name)  # parent packages too, so that each warns afresh
        with warnings.catch_warnings(record=True) as caught:  # a moved parent package warns too
            warnings.simplefilter("always")
            module = __import__(old, fromlist=["_"])
        assert any(w.category is DeprecationWarning and f"{old} has moved to {new}" in str(w.message) for w in caught)
        assert module is sys.modules[new]
        assert module.__spec__.name == new  # the module keeps its own identity
    assert sys.modules["qicsim.runner"].simulate is runner.simulate


def test_the_run_wing_is_also_the_api_verb() -> None:
    assert callable(qicsim.run)
    config = qicsim.scenario_config("peach", ["structure.homes_per_site=[2,2]", "structure.collaborative_weeks=20",
                                              "structure.follow_up_weeks=0", "structure.learning_event_weeks=[0]"],
                                     replications=2, seed=3)
    direct = qicsim.simulate(config)
    via_verb = qicsim.run("peach", ["structure.homes_per_site=[2,2]", "structure.collaborative_weeks=20",
                                    "structure.follow_up_weeks=0", "structure.learning_event_weeks=[0]"],
                          replications=2, seed=3)
    assert via_verb.runs.equals(direct.runs)
    with pytest.warns(DeprecationWarning, match="scenario_config"):
        assert qicsim.config("peach").scenario == "peach"


@pytest.mark.slow
def test_importing_the_model_loads_no_study_or_app_package() -> None:
    code = ("import sys, qicsim.model, qicsim.model.model;"
            "print(sorted(m for m in sys.modules if m.startswith(('qicsim.studies', 'qicsim.apps'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"



"""The context registry (qicsim.model.contexts.CONTEXTS): one declaration per context, read by every part.

Each test reads a part of qicsim that used to restate a context's facts and checks that it
now follows the registry, or checks a declaration against the code it describes (its readers,
counts, series, mediators), so that a stale declaration fails.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

import qicsim
from qicsim.apps.dashboard.controls import PLAIN, PRESETS, label
from qicsim.apps.paramdocs import context_readers
from qicsim.config.schema import Contexts, contexts_as_plain
from qicsim.model.contexts import BY_NAME, CONTEXT_NAMES, CONTEXTS, ENABLING, INITIAL_ONLY, ContextInfo
from qicsim.model.counters import MECHANISM_COUNTS
from qicsim.model.mediators import MEDIATORS
from qicsim.model.outcomes import COUNT_OUTCOME_NAMES
from qicsim.model.series import SERIES
from qicsim.model.theory import BY_NAME as THEORY_BY_NAME

PACKAGE = Path(qicsim.__file__).resolve().parent


def test_codes_run_c1_to_c10_in_order_with_unique_keys() -> None:
    assert [c.code for c in CONTEXTS] == [f"C{i}" for i in range(1, 11)]
    assert len(set(CONTEXT_NAMES)) == len(CONTEXTS)
    assert all(re.fullmatch(r"[a-z_]+", name) for name in CONTEXT_NAMES)


@pytest.mark.parametrize("info", CONTEXTS, ids=[c.code for c in CONTEXTS])
def test_declared_readers_are_the_readers_in_the_source(info: ContextInfo) -> None:
    # The source is read (every call of model.context("<key>", ...)): a declaration that
    # names a function that no longer reads the context, or misses a new reader, fails.
    assert sorted(f"{reader}" for reader in info.read_by) == [r.removesuffix("()") for r in
                                                              context_readers()[info.name]]


@pytest.mark.parametrize("info", CONTEXTS, ids=[c.code for c in CONTEXTS])
def test_declared_measures_exist_in_the_model(info: ContextInfo) -> None:
    assert info.indicator in MECHANISM_COUNTS
    assert set(info.mediators) <= set(MEDIATORS)
    assert info.outcome_series in SERIES
    assert info.outcome in [e.measure for e in info.expected]
    assert all(e.sign in (-1, 1) for e in info.expected)
    assert info.kind in ("enabling", "hindering")
    assert all(0.0 <= value <= 1.0 for _, value in info.presets)


def test_outcomes_are_run_outcomes() -> None:
    simulated = qicsim.simulate(qicsim.scenario_config("peach", ["structure.homes_per_site=[2,2]"], replications=1))
    for info in CONTEXTS:
        assert {e.measure for e in info.expected} <= set(simulated.runs.columns) | set(COUNT_OUTCOME_NAMES)


def test_schema_has_one_setting_per_context_in_registry_order() -> None:
    assert tuple(f.name for f in fields(Contexts)) == CONTEXT_NAMES
    assert tuple(contexts_as_plain(Contexts())) == CONTEXT_NAMES


def test_theory_rows_are_the_registry_entries() -> None:
    for info in CONTEXTS:
        row = THEORY_BY_NAME[info.name]
        assert (row.code, row.context, row.mechanism, row.outcome) == (
            info.code, info.evidence.context, info.evidence.mechanism, info.evidence.outcome)
        assert row.outcomes == info.expected and row.indicator.measure == info.indicator


def test_dashboard_controls_come_from_the_registry() -> None:
    assert {c.name: c.plain for c in CONTEXTS} == PLAIN
    assert {text: values for text, values in PRESETS.items()} == {
        text: {c.name: v} for c in CONTEXTS for text, v in c.presets}
    assert label("protected_time") == "C4 protected time" == BY_NAME["protected_time"].slider_label


def test_dashboard_model_takes_one_keyword_per_context() -> None:
    import inspect

    from qicsim.apps.dashboard.live_model import DashboardModel

    names = [p for p in inspect.signature(DashboardModel.__init__).parameters
             if p not in ("self", "scenario_name", "seed", "plans")]  # plans: the scenario's schedules followed
    assert names == list(CONTEXT_NAMES)
    with pytest.raises(TypeError, match="unknown control 'no_such_context'"):
        DashboardModel("peach", 1, no_such_context=0.5)


def test_kinds_and_initial_only_flags() -> None:
    assert CONTEXT_NAMES[:9] == ENABLING  # the paper's nine contexts; C10 is the hindering one
    assert {"prior_partnership"} == INITIAL_ONLY  # read at week 0 only (setup.build_ties)
    assert all(reader.startswith("setup.") for name in INITIAL_ONLY for reader in BY_NAME[name].read_by)


def _quoted_key_files(key: str) -> set[str]:
    """Files of the package whose code quotes a context's key (``"key"``), docstrings aside."""
    import ast

    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        if any(isinstance(node, ast.Constant) and node.value == key and id(node) not in docstrings
               for node in ast.walk(tree)):
            found.add(path.relative_to(PACKAGE).as_posix())
    return found


# Code that names a context by its key for its own purpose, not to restate the context's facts.
NAMES_A_CONTEXT = {
    "studies/mechanism_checks/patterns.py": "pattern 3 removes C3 and C4 together; pattern 6 adds data support",
    "studies/mechanism_checks/runs.py": "the replications the noisiest effects need",
    "studies/mechanism_checks/battery.py": "each context's stated division of its effect among its mediators, "
                                           "and the seeds its battery needs",
    "studies/mechanism_checks/mutants.py": "the two broken paths the review of issue 19 named (C5, C9)",
    "studies/policy/mix.py": "funding items of the budget search and the contexts they buy",
    "studies/policy/budget_report.py": "the funding items of the budget search, in plain words",
    "studies/policy/costs.py": "the data support funding item",
    "studies/policy/report.py": "the data support funding item",
    "studies/policy/glossary.py": "the data support funding item and option, in plain words",
    "apps/dashboard/app.py": "the context the dashboard opens on",
    "model/model.py": "an example in a docstring of the public class",
    "__init__.py": "an example in the package docstring",
    "model/counters.py": "a count of the same name (meetings held in care homes)",
    "model/outcomes.py": "the alignment of a project (a project column of the same name)",
    "apps/dashboard/view.py": "the count of meetings in care homes, for the view",
    "apps/dashboard/exercises.py": "the context each guided exercise switches (docs/teaching.md's recipes)",
}


@pytest.mark.parametrize("info", CONTEXTS, ids=[c.code for c in CONTEXTS])
def test_a_key_is_found_only_in_its_entry_its_mechanism_and_named_uses(info: ContextInfo) -> None:
    mechanisms = {f"model/{reader.split('.')[0]}.py" for reader in info.read_by}
    others = _quoted_key_files(info.name) - {"model/contexts.py"} - mechanisms - set(NAMES_A_CONTEXT)
    assert not others, f"{info.name} is quoted in {sorted(others)}: read it from the registry instead"

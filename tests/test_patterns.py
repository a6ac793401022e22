"""The PEACH patterns of docs/evidence.md, section 4, each with its stated threshold.

The checks are :func:`qicsim.studies.mechanism_checks.patterns.check_patterns` (thresholds in their
claims; the robustness table in docs/mechanisms.md uses the same checks). All runs: the
shared conditions of tests/helpers/cmo.py (150 replications each, shared seeds). The
figures these tests measure are quoted in README.md.
"""

from __future__ import annotations

from functools import cache

import pytest
from helpers.cmo import conditions

from qicsim.studies.mechanism_checks.patterns import C1_TO_C9, PatternCheck, check_patterns

pytestmark = pytest.mark.slow


@cache
def checks() -> tuple[PatternCheck, ...]:
    return tuple(check_patterns({name: c.runs for name, c in conditions().items()}))


def verdicts(pattern: str) -> list[PatternCheck]:
    found = [c for c in checks() if c.pattern == pattern]
    assert found, f"no check for pattern {pattern}"
    return found


@pytest.mark.parametrize("pattern", ["1", "2", "2b", "3", "3b", "5", "5b", "6", "6b"])
def test_pattern(pattern: str) -> None:
    for check in verdicts(pattern):
        assert check.passed, f"pattern {check.pattern}: {check.claim}: {check.figure}"


@pytest.mark.parametrize("context", C1_TO_C9)
def test_pattern_4_removing_any_context_lowers_implementation(context: str) -> None:
    """Removing any one of C1-C9 from PEACH lowers improvements implemented (>= 3 SE).

    That each acts through its own mechanism is tested in tests/test_cmo.py and
    tests/test_mechanisms.py (mediation).
    """
    (check,) = [c for c in verdicts("4") if f"removing {context} " in c.claim]
    assert check.passed, f"{check.claim}: {check.figure}"


def test_every_pattern_is_checked() -> None:
    assert {c.pattern for c in checks()} == {"1", "2", "2b", "3", "3b", "4", "5", "5b", "6", "6b"}
    assert len(verdicts("4")) == len(C1_TO_C9)


def test_funding_scenario_matches_override() -> None:
    """The shipped funding_data_support scenario is PEACH with C10 = 1, nothing else."""
    from qicsim.studies.mechanism_checks.runs import condition_kwargs, with_context

    assert condition_kwargs((), "funding_data_support") == condition_kwargs(with_context("data_support"))

"""qicsim.model.theory: the CMO rows match docs/evidence.md, and the directions match the CMO tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cmo import CMO_EXPECTATIONS, switch_sign, switched

from qicsim.errors import ConfigError
from qicsim.model.contexts import CONTEXTS
from qicsim.model.theory import BY_NAME, THEORY, TheoryRow, theory_row
from qicsim.studies.mechanism_checks.patterns import CONDITIONS

EVIDENCE_MD = Path(__file__).resolve().parents[1] / "docs" / "evidence.md"


def evidence_rows() -> dict[str, tuple[str, str, str]]:
    """The rows of the CMO table of docs/evidence.md, section 2: code -> (context, mechanism, outcome)."""
    text = EVIDENCE_MD.read_text(encoding="utf-8")
    section = text.split("## 2.", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if not line.startswith("| C"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == 4, line
        rows[cells[0]] = (cells[1], cells[2], cells[3])
    return rows


def test_evidence_table_is_parsed() -> None:
    rows = evidence_rows()
    assert list(rows) == [f"C{i}" for i in range(1, 11)]
    assert all(all(cell for cell in row) for row in rows.values())


@pytest.mark.parametrize("row", THEORY, ids=[r.code for r in THEORY])
def test_texts_match_evidence_md(row: TheoryRow) -> None:
    assert (row.context, row.mechanism, row.outcome) == evidence_rows()[row.code]


def test_one_row_per_context_in_order() -> None:
    assert [(r.code, r.name) for r in THEORY] == [(c.code, c.name) for c in CONTEXTS]


@pytest.mark.parametrize("info", CONTEXTS, ids=[c.code for c in CONTEXTS])
def test_the_cmo_tests_switch_each_context_through_a_shared_condition_in_the_theory_direction(info) -> None:
    row = BY_NAME[info.name]
    (indicator, ind_sign), outcomes = CMO_EXPECTATIONS[info.name]
    sign = switch_sign(info.name)
    assert switched(info.name) in CONDITIONS  # a condition the pattern runs really hold
    assert (sign < 0) == (info.code != "C10")  # C1-C9 are switched off, C10 on
    assert row.indicator.measure == indicator == info.indicator and ind_sign == sign
    assert [(o.measure, o.sign) for o in row.outcomes] == [(name, sign * s) for name, s in outcomes]
    assert info.outcome in [o.measure for o in row.outcomes]
    assert row.indicator_column == f"mech_{info.indicator}"


def test_present_context_raises_its_indicator() -> None:
    # Every context, when present, drives its own mechanism up (the model's reading of section 2).
    assert all(r.indicator.sign == 1 and r.indicator.direction == "up" for r in THEORY)
    assert theory_row("prior_partnership").outcomes[0].direction == "down"  # faster: fewer weeks


def test_lookup_by_name_or_code() -> None:
    assert theory_row("protected_time") is theory_row("C4") is BY_NAME["protected_time"]
    with pytest.raises(ConfigError, match="unknown context"):
        theory_row("free_lunch")

"""Crisp-set qualitative comparative analysis (csQCA) of a factorial design over contexts.

Cases are runs (one per design point and replication). The conditions are the design's
context factors with levels 0 and 1 (absent, present), named by their codes C1 ... C10; the
outcome is a named rule on a run outcome (by default "most homes implement at least one
improvement": ``homes_with_implementation_share > 0.5``). Following Ragin (2008):

* Truth table: one row per configuration of the conditions; ``n`` runs, ``n_outcome`` of
  them with the outcome, consistency ``n_outcome / n``. A configuration with at least
  ``min_cases`` runs is *sufficient* if its consistency is at least the cutoff (0.8 by
  default), else *not sufficient*; a configuration with fewer runs (none, by default) is a
  *remainder*.
* Boolean minimisation of the sufficient configurations with sympy's Quine-McCluskey
  (``sympy.logic.boolalg.SOPform``): the *complex* solution uses no remainders, the
  *parsimonious* solution lets them be either (don't-cares).
* Fit: with X the runs a solution (or term) covers and Y the runs with the outcome,
  consistency ``|X & Y| / |X|`` and coverage ``|X & Y| / |Y|``; a term's unique coverage is
  the share of Y it alone covers among the solution's terms.
* Necessity of each condition and its negation X: consistency ``|X & Y| / |Y|``, coverage
  ``|X & Y| / |X|``; necessary if the consistency is at least 0.9 by default.

A solution is written as terms joined by ``" + "`` (or), literals joined by ``"*"`` (and),
``"~"`` for absence, e.g. ``C1*C4 + ~C2*C6``; literals in condition order, terms by their
number of literals, then by their literals. ``"1"`` is the tautology (every configuration is
sufficient), ``"0"`` the empty solution (none is).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from qicsim.analysis.design import checked_sweep, numeric
from qicsim.errors import ConfigError

Literal = tuple[int, bool]  # (condition index, present)
TRUE, FALSE = "1", "0"
SUFFICIENT, NOT_SUFFICIENT, REMAINDER = "sufficient", "not sufficient", "remainder"
SOLUTION_COLUMNS = ("solution", "level", "expression", "consistency", "coverage", "unique_coverage", "n_cases")
MAX_CONDITIONS = 12
NECESSITY_COLUMNS = ("condition", "factor", "consistency", "coverage", "necessary")


@dataclass(frozen=True)
class OutcomeRule:
    """How a run's outcome becomes a crisp set: present if ``column > threshold``.

    Attributes:
        column: A run outcome column.
        threshold: The outcome is present in a run whose value is above this.
        label: A readable name of the outcome set.
    """

    column: str = "homes_with_implementation_share"
    threshold: float = 0.5
    label: str = "most homes implement at least one improvement"

    @property
    def rule(self) -> str:
        """The rule as text, e.g. ``homes_with_implementation_share > 0.5``."""
        return f"{self.column} > {self.threshold:g}"

    def applies(self, values: np.ndarray) -> np.ndarray:
        """Whether each value has the outcome (NaN does not)."""
        return np.asarray(values, dtype=float) > self.threshold


DEFAULT_RULE = OutcomeRule()


@dataclass(frozen=True)
class Fit:
    """A solution or one of its terms, with its fit over the runs.

    Attributes:
        expression: The term or solution, e.g. ``C1*~C2``.
        consistency: ``|X & Y| / |X|`` (NaN if it covers no run).
        coverage: ``|X & Y| / |Y|`` (raw coverage, for a term).
        unique_coverage: For a term, the share of Y covered by it and no other term; NaN
            for a solution.
        n_cases: Runs covered, ``|X|``.
    """

    expression: str
    consistency: float
    coverage: float
    unique_coverage: float
    n_cases: int


@dataclass(frozen=True)
class Solution:
    """A minimised solution.

    Attributes:
        kind: ``parsimonious`` or ``complex``.
        fit: The whole solution's fit.
        terms: Each term's fit, in the solution's order.
    """

    kind: str
    fit: Fit
    terms: tuple[Fit, ...]

    @property
    def expression(self) -> str:
        """The solution string."""
        return self.fit.expression


@dataclass(frozen=True)
class QCAResult:
    """The truth table, solutions and necessity analysis.

    Attributes:
        rule: The outcome rule.
        conditions: Condition codes, in order.
        truth_table: One row per configuration: a 0/1 column per condition, ``n``,
            ``n_outcome``, ``consistency``, ``status``.
        parsimonious: Solution with remainders as don't-cares.
        complex: Solution without remainders.
        necessity: Columns :data:`NECESSITY_COLUMNS`.
        n_cases: Runs analysed.
        n_outcome: Runs with the outcome.
        n_dropped: Runs left out because their outcome value is missing.
        consistency_cutoff: Sufficiency cutoff used.
        necessity_cutoff: Necessity cutoff used.
    """

    rule: OutcomeRule
    conditions: tuple[str, ...]
    truth_table: pd.DataFrame
    parsimonious: Solution
    complex: Solution
    necessity: pd.DataFrame
    n_cases: int
    n_outcome: int
    n_dropped: int
    consistency_cutoff: float
    necessity_cutoff: float

    def solution_table(self) -> pd.DataFrame:
        """Both solutions and their terms, columns :data:`SOLUTION_COLUMNS`."""
        rows = []
        for sol in (self.parsimonious, self.complex):
            for level, fit in (("solution", sol.fit), *(("term", t) for t in sol.terms)):
                rows.append((sol.kind, level, fit.expression, fit.consistency, fit.coverage, fit.unique_coverage,
                             fit.n_cases))
        return pd.DataFrame(rows, columns=list(SOLUTION_COLUMNS))


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def _format(terms: list[tuple[Literal, ...]], codes: tuple[str, ...]) -> str:
    if not terms:
        return FALSE
    return " + ".join("*".join(("" if pos else "~") + codes[i] for i, pos in term) or TRUE for term in terms)


def _minimise(minterms: list[list[int]], dontcares: list[list[int]],
              codes: tuple[str, ...]) -> list[tuple[Literal, ...]]:
    """Minimise with sympy's SOPform; the terms, each a sorted tuple of literals, sorted."""
    from sympy import Symbol
    from sympy.logic.boolalg import And, BooleanFalse, BooleanTrue, Not, Or, SOPform

    if not minterms:
        return []
    symbols = [Symbol(code) for code in codes]
    index = {s: i for i, s in enumerate(symbols)}
    expr = SOPform(symbols, minterms, dontcares)
    if isinstance(expr, BooleanTrue):
        return [()]
    if isinstance(expr, BooleanFalse):
        return []
    terms = []
    for term in expr.args if isinstance(expr, Or) else (expr,):
        literals = []
        for lit in term.args if isinstance(term, And) else (term,):
            literals.append((index[lit.args[0]], False) if isinstance(lit, Not) else (index[lit], True))
        terms.append(tuple(sorted(literals)))
    return sorted(terms, key=lambda t: (len(t), [(i, not pos) for i, pos in t]))


def _covers(term: tuple[Literal, ...], members: np.ndarray) -> np.ndarray:
    mask = np.ones(len(members), dtype=bool)
    for i, pos in term:
        mask &= members[:, i] == pos
    return mask


def _solution(kind: str, terms: list[tuple[Literal, ...]], members: np.ndarray, outcome: np.ndarray,
              codes: tuple[str, ...]) -> Solution:
    masks = [_covers(t, members) for t in terms]
    n_y = int(outcome.sum())
    fits = []
    for i, (term, mask) in enumerate(zip(terms, masks, strict=True)):
        others = np.zeros(len(members), dtype=bool)
        for j, other in enumerate(masks):
            if j != i:
                others |= other
        hit = int((mask & outcome).sum())
        fits.append(Fit(_format([term], codes), _ratio(hit, int(mask.sum())), _ratio(hit, n_y),
                        _ratio(int((mask & outcome & ~others).sum()), n_y), int(mask.sum())))
    covered = np.logical_or.reduce(masks) if masks else np.zeros(len(members), dtype=bool)
    hit = int((covered & outcome).sum())
    whole = Fit(_format(terms, codes), _ratio(hit, int(covered.sum())), _ratio(hit, n_y), float("nan"),
                int(covered.sum()))
    return Solution(kind, whole, tuple(fits))


def crisp_qca(members: pd.DataFrame, outcome: np.ndarray, rule: OutcomeRule = DEFAULT_RULE, *,
              consistency_cutoff: float = 0.8, min_cases: int = 1, necessity_cutoff: float = 0.9,
              names: dict[str, str] | None = None) -> QCAResult:
    """Crisp-set QCA of cases given as 0/1 condition memberships and an outcome set.

    Args:
        members: One row per case, one 0/1 column per condition (named by its code).
        outcome: Whether each case has the outcome (bool, one per case).
        rule: The rule that made ``outcome`` (kept for the report).
        consistency_cutoff: Sufficiency cutoff for a configuration's consistency.
        min_cases: Runs a configuration needs to be more than a remainder.
        necessity_cutoff: Necessity cutoff.
        names: Optional factor name of each condition code (for the necessity table).

    Returns:
        The result (``n_dropped`` is 0: drop missing outcomes before calling).

    Raises:
        ConfigError: For a membership that is not 0 or 1, no condition or more than
            :data:`MAX_CONDITIONS`, or bad cutoffs.
    """
    for key, value in (("consistency_cutoff", consistency_cutoff), ("necessity_cutoff", necessity_cutoff)):
        if not 0 < value <= 1:
            raise ConfigError(key, f"{value!r} is out of range", "a number in (0, 1]")
    if isinstance(min_cases, bool) or not isinstance(min_cases, int) or min_cases < 1:
        raise ConfigError("min_cases", f"{min_cases!r} is not a positive whole number", "a whole number >= 1")
    codes = tuple(str(c) for c in members.columns)
    if not 1 <= len(codes) <= MAX_CONDITIONS:
        raise ConfigError("conditions", f"{len(codes)} conditions", f"1 to {MAX_CONDITIONS} conditions")
    matrix = members.to_numpy(dtype=float)
    if not np.all((matrix == 0) | (matrix == 1)):
        raise ConfigError("conditions", "a membership is not 0 or 1", "crisp sets: 0 (absent) or 1 (present)")
    matrix = matrix.astype(bool)
    outcome = np.asarray(outcome, dtype=bool)
    k = len(codes)
    weights = 1 << np.arange(k - 1, -1, -1)  # C1 is the most significant bit
    config = matrix.astype(np.int64) @ weights
    n = np.bincount(config, minlength=2 ** k)
    n_out = np.bincount(config, weights=outcome.astype(float), minlength=2 ** k).astype(int)
    bits = (np.arange(2 ** k)[:, None] & weights[None, :]) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        consistency = np.where(n > 0, n_out / np.maximum(n, 1), np.nan)
    status = np.where(n < min_cases, REMAINDER, np.where(consistency >= consistency_cutoff, SUFFICIENT,
                                                         NOT_SUFFICIENT))
    table = pd.DataFrame(bits.astype(int), columns=list(codes))
    table["n"], table["n_outcome"], table["consistency"], table["status"] = n, n_out, consistency, status
    minterms = bits[status == SUFFICIENT].astype(int).tolist()
    dontcares = bits[status == REMAINDER].astype(int).tolist()
    parsimonious = _solution("parsimonious", _minimise(minterms, dontcares, codes), matrix, outcome, codes)
    complex_ = _solution("complex", _minimise(minterms, [], codes), matrix, outcome, codes)
    names = names or {}
    necessity = []
    n_y = int(outcome.sum())
    for j, code in enumerate(codes):
        for present in (True, False):
            x = matrix[:, j] == present
            hit = int((x & outcome).sum())
            cons = _ratio(hit, n_y)
            necessity.append((code if present else f"~{code}", names.get(code, code), cons,
                              _ratio(hit, int(x.sum())), bool(cons >= necessity_cutoff)))
    return QCAResult(rule, codes, table, parsimonious, complex_,
                     pd.DataFrame(necessity, columns=list(NECESSITY_COLUMNS)), len(outcome), n_y, 0,
                     consistency_cutoff, necessity_cutoff)


def qca(data: pd.DataFrame, manifest: dict[str, Any], rule: OutcomeRule = DEFAULT_RULE, *,
        consistency_cutoff: float = 0.8, min_cases: int = 1, necessity_cutoff: float = 0.9) -> QCAResult:
    """Crisp-set QCA of a factorial sweep over contexts; the cases are its runs.

    Args:
        data: The dataset of a ``factorial`` sweep.
        manifest: design.json as a dict; the conditions are its context factors with
            levels [0, 1] (other factors are not conditions).
        rule: The outcome rule.
        consistency_cutoff: Sufficiency cutoff for a configuration's consistency.
        min_cases: Runs a configuration needs to be more than a remainder.
        necessity_cutoff: Necessity cutoff.

    Returns:
        The result. Runs with a missing outcome value are left out (``n_dropped``).

    Raises:
        ConfigError: For another design, unbalanced data, no context factor with levels
            [0, 1], or a missing outcome column.
    """
    sweep = checked_sweep(data, manifest, "factorial")
    conditions = [f for f in sweep.factors if f.kind == "context" and f.levels == (0.0, 1.0)]
    if not conditions:
        raise ConfigError("design.json:factors", "no context factor with levels [0, 1]",
                          "context factors with levels [0, 1] as QCA conditions")
    values = numeric(sweep.data, rule.column)
    keep = ~np.isnan(values)
    members = pd.DataFrame({f.code: numeric(sweep.data, f.name)[keep] for f in conditions})
    result = crisp_qca(members, rule.applies(values[keep]), rule, consistency_cutoff=consistency_cutoff,
                       min_cases=min_cases, necessity_cutoff=necessity_cutoff,
                       names={f.code: f.name for f in conditions})
    return replace(result, n_dropped=int((~keep).sum()))

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

The conditions may include two-level *parameter* factors of the design (a member when the
parameter is at its high level), so that an assumption can be a condition beside the contexts.

:func:`qca_thresholds` repeats the analysis with the outcome set at several thresholds of its
column (0.3 ... 0.7 of the homes by default) and tabulates which results (necessity of a
condition, sufficiency of a solution term) hold at every threshold, warning where fewer than
:data:`MIN_POSITIVE_CASES` positive cases (runs in both the condition and the outcome set)
support a result.

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

from qicsim.errors import ConfigError
from qicsim.lazy import needs_extra
from qicsim.studies.analysis.design import Factor, checked_sweep, numeric

Literal = tuple[int, bool]  # (condition index, present)
TRUE, FALSE = "1", "0"
SUFFICIENT, NOT_SUFFICIENT, REMAINDER = "sufficient", "not sufficient", "remainder"
SOLUTION_COLUMNS = ("solution", "level", "expression", "consistency", "coverage", "unique_coverage", "n_cases")
MAX_CONDITIONS = 12
NECESSITY_COLUMNS = ("condition", "factor", "consistency", "coverage", "necessary")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
"""Outcome thresholds of :func:`qca_thresholds` (share of homes) by default."""
MIN_POSITIVE_CASES = 30
"""A result supported by fewer positive cases than this is flagged."""
THRESHOLD_COLUMNS = ("threshold", "kind", "result", "consistency", "coverage", "holds", "n_positive",
                     "few_cases")
THRESHOLD_SUMMARY_COLUMNS = ("kind", "result", "holds_at", "holds_at_every_threshold", "min_positive", "warning")
NECESSITY, SUFFICIENCY = "necessity", "sufficiency"


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
    with needs_extra("studies"):
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


def qca_conditions(factors: tuple[Factor, ...]) -> list[Factor]:
    """The factors that are QCA conditions: contexts with levels [0, 1], and two-level parameter factors."""
    return [f for f in factors if (f.kind == "context" and f.levels == (0.0, 1.0))
            or (f.kind == "parameter" and f.levels is not None and len(f.levels) == 2)]


def _members(data: pd.DataFrame, conditions: list[Factor], keep: np.ndarray) -> pd.DataFrame:
    """0/1 memberships: a context's value, or 1 where a parameter is at its high level."""
    out = {}
    for f in conditions:
        values = numeric(data, f.name)[keep]
        out[f.code] = values if f.kind == "context" else np.isclose(values, max(f.levels or (0.0,))).astype(float)
    return pd.DataFrame(out)


def _sweep_members(data: pd.DataFrame, manifest: dict[str, Any], column: str
                   ) -> tuple[pd.DataFrame, np.ndarray, list[Factor], np.ndarray]:
    """The memberships of the runs with a value of ``column``, the values, the conditions, and the kept mask."""
    sweep = checked_sweep(data, manifest, "factorial")
    conditions = qca_conditions(sweep.factors)
    if not conditions:
        raise ConfigError("design.json:factors", "no context factor with levels [0, 1] nor two-level parameter",
                          "context factors with levels [0, 1] (or two-level parameter factors) as QCA conditions")
    values = numeric(sweep.data, column)
    keep = ~np.isnan(values)
    return _members(sweep.data, conditions, keep), values[keep], conditions, keep


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
    members, values, conditions, keep = _sweep_members(data, manifest, rule.column)
    result = crisp_qca(members, rule.applies(values), rule, consistency_cutoff=consistency_cutoff,
                       min_cases=min_cases, necessity_cutoff=necessity_cutoff,
                       names={f.code: f.name for f in conditions})
    return replace(result, n_dropped=int((~keep).sum()))


@dataclass(frozen=True)
class ThresholdQCA:
    """QCA at several outcome thresholds.

    Attributes:
        column: The outcome column; the outcome set at threshold t is ``column > t``.
        thresholds: The thresholds, ascending.
        results: Columns :data:`THRESHOLD_COLUMNS`: each result at each threshold.
        summary: Columns :data:`THRESHOLD_SUMMARY_COLUMNS`: each result that holds at some
            threshold, where it holds, and a warning if few positive cases support it.
        solutions: ``threshold``, ``n_outcome``, ``solution`` (parsimonious) at each threshold.
        min_positive: The support below which a result is flagged.
    """

    column: str
    thresholds: tuple[float, ...]
    results: pd.DataFrame
    summary: pd.DataFrame
    solutions: pd.DataFrame
    min_positive: int


def _parse_term(term: str, codes: tuple[str, ...]) -> tuple[Literal, ...]:
    """A solution term (``C1*~C4``) as literals; ``1`` (every case) is the empty term."""
    if term == TRUE:
        return ()
    return tuple((codes.index(lit.lstrip("~")), not lit.startswith("~")) for lit in term.split("*"))


def threshold_table(members: pd.DataFrame, values: np.ndarray, thresholds: tuple[float, ...] = THRESHOLDS, *,
                    column: str = DEFAULT_RULE.column, consistency_cutoff: float = 0.8,
                    necessity_cutoff: float = 0.9, min_positive: int = MIN_POSITIVE_CASES) -> ThresholdQCA:
    """Necessity and sufficiency at each outcome threshold, and which results hold at all of them.

    A *necessity* result is "condition X is necessary" (consistency of necessity ``|X & Y| /
    |Y|`` at least the necessity cutoff); a *sufficiency* result is "term T is sufficient"
    (consistency ``|T & Y| / |T|`` at least the consistency cutoff), for every term of the
    parsimonious solution at any threshold, evaluated at every threshold. ``n_positive`` is
    ``|X & Y|``, the positive cases supporting the result; ``few_cases`` flags fewer than
    ``min_positive``.

    Args:
        members: 0/1 memberships, one column per condition.
        values: The outcome column's value for each case (no NaN).
        thresholds: The thresholds t; the outcome set is ``values > t``.
        column: The outcome column's name (for the report).
        consistency_cutoff: Sufficiency cutoff.
        necessity_cutoff: Necessity cutoff.
        min_positive: Support below which a result is flagged.

    Returns:
        The tables.

    Raises:
        ConfigError: For no threshold or a repeated one, and whatever :func:`crisp_qca` refuses.
    """
    thresholds = tuple(sorted(float(t) for t in thresholds))
    if not thresholds or len(set(thresholds)) != len(thresholds):
        raise ConfigError("qca_thresholds", f"{list(thresholds)} is not usable", "distinct numbers, e.g. 0.3,0.5,0.7")
    codes = tuple(str(c) for c in members.columns)
    matrix = members.to_numpy(dtype=float).astype(bool)
    runs = {t: crisp_qca(members, np.asarray(values) > t, OutcomeRule(column, t, ""),
                         consistency_cutoff=consistency_cutoff, necessity_cutoff=necessity_cutoff)
            for t in thresholds}
    terms = list(dict.fromkeys(term.expression for r in runs.values() for term in r.parsimonious.terms))
    rows = []
    for t, result in runs.items():
        outcome = np.asarray(values) > t
        n_y = int(outcome.sum())
        for rec in result.necessity.itertuples(index=False):
            n_pos = int((_covers(_parse_term(rec.condition, codes), matrix) & outcome).sum())
            rows.append((t, NECESSITY, rec.condition, rec.consistency, rec.coverage, bool(rec.necessary), n_pos,
                         n_pos < min_positive))
        for term in terms:
            mask = _covers(_parse_term(term, codes), matrix)
            hit = int((mask & outcome).sum())
            cons = _ratio(hit, int(mask.sum()))
            rows.append((t, SUFFICIENCY, term, cons, _ratio(hit, n_y), bool(cons >= consistency_cutoff), hit,
                         hit < min_positive))
    table = pd.DataFrame(rows, columns=list(THRESHOLD_COLUMNS))
    summary = []
    for (kind, result), group in table.groupby(["kind", "result"], sort=False):
        held = group[group["holds"]]
        if held.empty:
            continue
        low = int(held["n_positive"].min())
        summary.append((kind, result, ", ".join(f"{t:g}" for t in held["threshold"]), len(held) == len(thresholds),
                        low, f"fewer than {min_positive} positive cases" if low < min_positive else ""))
    summary_frame = pd.DataFrame(summary, columns=list(THRESHOLD_SUMMARY_COLUMNS))
    solutions = pd.DataFrame([(t, r.n_outcome, r.parsimonious.expression) for t, r in runs.items()],
                             columns=["threshold", "n_outcome", "solution"])
    return ThresholdQCA(column, thresholds, table, summary_frame, solutions, min_positive)


def qca_thresholds(data: pd.DataFrame, manifest: dict[str, Any], column: str = DEFAULT_RULE.column,
                   thresholds: tuple[float, ...] = THRESHOLDS, *, consistency_cutoff: float = 0.8,
                   necessity_cutoff: float = 0.9, min_positive: int = MIN_POSITIVE_CASES) -> ThresholdQCA:
    """QCA of a factorial sweep at several thresholds of an outcome column (see :func:`threshold_table`).

    Raises:
        ConfigError: As :func:`qca`, and for bad thresholds.
    """
    members, values, _, _ = _sweep_members(data, manifest, column)
    return threshold_table(members, values, thresholds, column=column, consistency_cutoff=consistency_cutoff,
                           necessity_cutoff=necessity_cutoff, min_positive=min_positive)

"""The simulated CMO table: does the model show the programme theory's CMO configurations?

For each context factor of a two-level factorial over contexts, and for its mechanism
indicator (the ``mech_<indicator>`` column, :mod:`qicsim.model.theory`) and each outcome the theory
names: the mean with the context absent (its low level) and present (its high level), averaged
over all the other factors' levels, and their difference, which is the factor's main effect
(:mod:`qicsim.studies.analysis.effects`), with its stratified bootstrap interval. The verdict compares
the interval with the theory's expected direction when the context is present:

* ``agrees``: the interval excludes 0 on the expected side;
* ``no clear effect``: the interval includes 0;
* ``disagrees``: the interval excludes 0 on the other side;
* ``not in data`` / ``not estimable``: the column is absent, or the difference is NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from qicsim.errors import ConfigError
from qicsim.model.theory import BY_NAME, TheoryRow
from qicsim.studies.analysis.design import checked_sweep
from qicsim.studies.analysis.effects import factorial_effects

CMO_COLUMNS = ("code", "context", "evidence_context", "evidence_mechanism", "evidence_outcome", "role",
               "measure", "expected", "mean_absent", "mean_present", "difference", "ci_low", "ci_high", "n",
               "verdict")
AGREES, NO_CLEAR_EFFECT, DISAGREES = "agrees", "no clear effect", "disagrees"
NOT_IN_DATA, NOT_ESTIMABLE = "not in data", "not estimable"


def verdict(sign: int, ci_low: float, ci_high: float) -> str:
    """Compare an interval with an expected direction.

    Args:
        sign: +1 if the theory expects a rise, -1 a fall.
        ci_low: Lower end of the interval of the difference.
        ci_high: Upper end.

    Returns:
        ``agrees``, ``no clear effect``, ``disagrees`` or ``not estimable`` (NaN interval).
    """
    if math.isnan(ci_low) or math.isnan(ci_high):
        return NOT_ESTIMABLE
    if ci_low > 0:
        observed = 1
    elif ci_high < 0:
        observed = -1
    else:
        return NO_CLEAR_EFFECT
    return AGREES if observed == sign else DISAGREES


def _measures(row: TheoryRow) -> list[tuple[str, str, int]]:
    """(role, column, sign) of a theory row: the indicator, then the outcomes."""
    return [("mechanism", row.indicator_column, row.indicator.sign),
            *(("outcome", o.measure, o.sign) for o in row.outcomes)]


def cmo_table(data: pd.DataFrame, manifest: dict[str, Any], *, n_boot: int = 1000, seed: int = 0,
              conf_level: float = 0.95) -> pd.DataFrame:
    """The simulated CMO table of a factorial sweep over contexts.

    Args:
        data: The dataset of a ``factorial`` sweep.
        manifest: design.json as a dict; its context factors are the table's rows.
        n_boot: Bootstrap samples B.
        seed: Seed of the bootstrap (the same as for :func:`~qicsim.studies.analysis.effects.main_effects`
            gives the same intervals).
        conf_level: Coverage of the intervals.

    Returns:
        One row per context in the design and measure (its indicator, then its outcomes),
        columns :data:`CMO_COLUMNS`, in code order.

    Raises:
        ConfigError: For a design that is not a balanced two-level factorial, or one with
            no context factor.
    """
    sweep = checked_sweep(data, manifest, "factorial")
    contexts = [f for f in sweep.factors if f.kind == "context" and f.name in BY_NAME]
    if not contexts:
        raise ConfigError("design.json:factors", "no context factor", "a factorial over contexts C1-C10")
    rows = [BY_NAME[f.name] for f in contexts]
    columns = list(dict.fromkeys(c for row in rows for _, c, _ in _measures(row) if c in sweep.data.columns))
    main = factorial_effects(sweep.data, manifest, columns, n_boot=n_boot, seed=seed,
                             conf_level=conf_level).main if columns else None
    out = []
    for row in sorted(rows, key=lambda r: int(r.code[1:])):
        for role, column, sign in _measures(row):
            head = (row.code, row.name, row.context, row.mechanism, row.outcome, role, column,
                    "up" if sign > 0 else "down")
            if main is None or column not in columns:
                out.append((*head, *[np.nan] * 5, 0, NOT_IN_DATA))
                continue
            eff = main[(main["outcome"] == column) & (main["factor"] == row.name)].iloc[0]
            out.append((*head, eff["mean_lo"], eff["mean_hi"], eff["estimate"], eff["ci_low"], eff["ci_high"],
                        int(eff["n"]), verdict(sign, eff["ci_low"], eff["ci_high"])))
    return pd.DataFrame(out, columns=list(CMO_COLUMNS))


def _number(value: float) -> str:
    return "" if pd.isna(value) else f"{value:.3g}"


def cmo_markdown(table: pd.DataFrame, conf_level: float = 0.95) -> str:
    """The CMO table as Markdown: evidence texts beside the simulated differences.

    Args:
        table: What :func:`cmo_table` returned.
        conf_level: Coverage of the intervals, for the header.

    Returns:
        A Markdown table, one row per measure; the context's text on its first row.
    """
    rows = []
    previous = None
    for r in table.itertuples(index=False):
        first = r.code != previous
        previous = r.code
        theory = f"M: {r.evidence_mechanism}" if r.role == "mechanism" else f"O: {r.evidence_outcome}"
        diff = "" if pd.isna(r.difference) else \
            f"{r.difference:+.3g} [{_number(r.ci_low)}, {_number(r.ci_high)}]"
        rows.append({"#": r.code if first else "", "context (evidence)": r.evidence_context if first else "",
                     "theory": theory, "simulated measure": f"`{r.measure}`", "expected": r.expected,
                     "absent": _number(r.mean_absent), "present": _number(r.mean_present),
                     f"difference [{conf_level:.0%} CI]": diff, "verdict": r.verdict})
    return pd.DataFrame(rows).to_markdown(index=False)

"""A one-page report of a comparison for people who do not program: ``report.md``, ``report.html``, ``report.xlsx``.

Read from a ``qicsim compare`` folder (``options.csv``, ``incremental.csv``, ``acceptability.csv``,
``replications.csv`` and the three figures) and the unit costs it was priced with.

Written for a board (issue 22, item 5): options by their plain names and every term in a glossary
(:mod:`qicsim.studies.policy.glossary`, which also holds the CHEERS 2022 checklist and the validation
record); every mean with its 95% CI of the mean, the paragraphs adding the spread of runs, each interval
at the precision that keeps its ends apart or saying why there is none (:func:`interval_text`);
measures of ``options.csv`` it does not know shown generically ("More measures"); ``report.html`` a
responsive page (viewport set, figures as wide as the text, tables scrolling in their own box).

"The three assumptions that most move the answer" are found by one-at-a-time re-pricing, honestly
limited to cost assumptions: each funder cost item is linear in its unit costs (backfill in the backfill
factor, data support in the analyst's hourly cost, ...), so every replication can be re-priced at
+-50% of an item's unit costs without rerunning the model. "The answer" is the option a commissioner
would pick: the one with most sustained improvements among those whose mean funder cost fits the budget
(without a budget: the lowest funder cost per sustained improvement among options that cost something).
Assumptions are ranked by whether the pick changes, then by how far the picked option's cost per
sustained improvement moves. Model parameters (how strongly contexts act) are not varied here.

Option names come from file names and unit-cost sources from YAML the user wrote: they are data, never
markup. ``report.md`` escapes them (:func:`markdown_text`: no HTML, links, emphasis or table breaks of
their own), ``report.html`` escapes everything, and ``report.xlsx`` writes every string as text with a
leading ``=``, ``+``, ``-``, ``@``, tab or carriage return neutralised (:func:`spreadsheet_text`, OWASP's
rule against formula injection), so no cell is a live formula.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qicsim.lazy import needs_extra
from qicsim.studies.policy.costs import FUNDER_ITEMS, UnitCosts
from qicsim.studies.policy.glossary import (
    CHEERS,
    GLOSSARY,
    OPTION_DESCRIPTIONS,
    SECTIONS,
    VALIDATION_RECORD,
    calibration_limit,
    glossary,
    plain_measure,
    plain_option,
    search_glossary,
)
from qicsim.studies.policy.options import BASELINE as BASELINE_OPTION
from qicsim.studies.policy.outcomes import Outcomes, outcome_record

if TYPE_CHECKING:  # the report reads a Case's fields; appraisal runs the model, which the report never does
    from qicsim.studies.policy.appraisal import Case

FIGURES = {"ce_plane.png": "Extra cost against extra sustained improvements, compared with the zero-spend baseline",
           "acceptability.png": "How likely each option is the best buy, against what one improvement is worth",
           "cost_breakdown.png": "What the funder pays for, by item"}
BASELINE_STATUS = "baseline"  # incremental.csv's status of the option the others are compared with
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell starting with one of these as a formula (OWASP, CSV injection)."""
MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]|~])")
EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # inside a word (backfill_care_home) it is inert
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
UNIT_COSTS_OF_ITEM = {"backfill": "backfill factor and care home staff's hourly pay (backfill for protected time)",
                      "facilitation": "facilitator's hourly cost and travel",
                      "coaching": "coach's hourly cost and travel",
                      "events": "learning event venue, catering and per-attendee costs",
                      "data_support": "analyst's hourly cost and hours per home a week"}
SWING = 0.5  # +-50% on each item's unit costs
LIMITS = [
    "It compares options against each other; it does not forecast what a real collaborative will achieve.",
    "Unit costs are of one price year, from national sources where there are some; on-costs, overheads, the "
    "backfill factor and several event and programme costs are assumptions (each labelled in the inputs sheet).",
    "Residents' outcomes come from the problems the model counts. Under the default, topic-blind prevention they "
    "are split into falls, infections and admissions by their rates (every improvement is assumed to prevent the "
    "three alike) and pressure ulcers are not counted; only under prevention by topic (structure.prevention = "
    "by_topic) does each improvement act on its own kind, by a sourced rate ratio, with pressure ulcers a fourth "
    "kind. Hospital use per event and some QALY losses are assumptions (outcome_inputs sheet). Deaths and "
    "residents' wider quality of life are not counted.",
    "The intervals carry chance and, with an ensemble, uncertainty about the model's settings; uncertainty in unit "
    "costs and in what events cost and mean for residents is not in them.",
    "It cannot tell which homes will engage, nor the effect of local leaders, staff turnover or events outside "
    "the model.",
]


def limits(case: Case | None) -> list[str]:
    """What the model cannot tell you, with what its settings rest on for the case's ensemble (if the case is known)."""
    rest = ("Effects rest on the model's settings recorded in provenance.json (with the calibration they came from, "
            "if any); other places may differ." if case is None else calibration_limit(case.ensemble))
    return [*LIMITS[:2], rest, *LIMITS[2:]]


def markdown_text(text: str) -> str:
    """A user-derived string (an option's name) as plain text in Markdown.

    HTML's ``<``, ``>`` and ``&`` become entities, Markdown's own characters (backslash, backtick,
    ``*``, ``[``, ``]``, ``|``, ``~``, an underscore at a word's edge) are backslash-escaped and control
    characters (a newline in a file name) become spaces: the name can open no tag, link, emphasis,
    code span or table cell of its own. Plain names (``backfill_care_home``) are unchanged.
    """
    text = html.escape(CONTROL.sub(" ", text), quote=False)
    return EDGE_UNDERSCORE.sub(r"\_", MARKDOWN_SPECIAL.sub(r"\\\1", text))


def spreadsheet_text(value: object) -> object:
    """A cell's value with a string that a spreadsheet would run as a formula neutralised by a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def pick(table: pd.DataFrame, budget: float | None) -> str | None:
    """The option a commissioner would pick from a table with ``funder_gbp`` and ``sustained`` per option."""
    if budget is not None:
        fits = table[table["funder_gbp"] <= budget]
        return None if fits.empty else str(fits.sort_values(["sustained", "funder_gbp"],
                                                            ascending=[False, True]).iloc[0]["option"])
    paid = table[(table["funder_gbp"] > 0) & (table["sustained"] > 0)]
    if paid.empty:
        return None
    return str(paid.assign(r=paid["funder_gbp"] / paid["sustained"]).sort_values("r").iloc[0]["option"])


def sensitivity(per_rep: pd.DataFrame, budget: float | None) -> pd.DataFrame:
    """One-at-a-time +-50% on each funder cost item's unit costs: does the pick change, how far does its cost move.

    Returns:
        One row per item: ``item``, ``assumption``, ``pick_low``, ``pick_high`` (the pick at -50%/+50%),
        ``changes_pick``, ``cost_per_sustained_change`` (largest relative change of the base pick's funder
        cost per sustained improvement), sorted most influential first.
    """
    def priced(scale: dict[str, float]) -> pd.DataFrame:
        funder = sum(per_rep[item] * scale.get(item, 1.0) for item in FUNDER_ITEMS)
        return (per_rep.assign(funder_gbp=funder).groupby("option", sort=False)[["funder_gbp", "sustained"]]
                .mean().reset_index())

    base = priced({})
    chosen = pick(base, budget)
    rows = []
    for item in FUNDER_ITEMS:
        low, high = priced({item: 1 - SWING}), priced({item: 1 + SWING})
        moved = 0.0
        if chosen is not None:
            ref = base.set_index("option").loc[chosen]
            for t in (low, high):
                row = t.set_index("option").loc[chosen]
                if ref["funder_gbp"] > 0:
                    moved = max(moved, abs(row["funder_gbp"] - ref["funder_gbp"]) / ref["funder_gbp"])
        pl, ph = pick(low, budget), pick(high, budget)
        rows.append({"item": item, "assumption": UNIT_COSTS_OF_ITEM[item], "pick_base": chosen, "pick_low": pl,
                     "pick_high": ph, "changes_pick": pl != chosen or ph != chosen,
                     "cost_per_sustained_change": moved,
                     "spend_share": float(per_rep[item].sum() / max(per_rep["funder_gbp"].sum(), 1e-9))})
    table = pd.DataFrame(rows)
    return table.sort_values(["changes_pick", "cost_per_sustained_change", "spend_share"],
                             ascending=False).reset_index(drop=True)


LEVEL_TEXT = "95% CI of the mean"  # what the bracketed intervals of options.csv are (appraisal.mean_interval)
SPREAD_TEXT = "spread of runs"  # the central 95% of single replications (the budget search's interval too)
SAME = "the same in every run"
SHOWN = ("funder_gbp", "employer_time_gbp", "sustained", "homes_reached", "funder_gbp_per_sustained")
"""Measures of options.csv in the main table; every other measure with an interval goes in 'More measures'."""
NOT_MEASURES = ("option", "replications", "within_budget", "share_of_replications_within_budget", *FUNDER_ITEMS)


def gbp(x: float, digits: int = 0) -> str:
    """GBP, in thousands from GBP 1,000 (``digits`` decimals of the thousands), plain."""
    if x == 0:
        return "nothing"
    if abs(x) >= 1000:
        return f"-£{-x / 1000:,.{digits}f}k" if x < 0 else f"£{x / 1000:,.{digits}f}k"
    return f"-£{-x:,.{max(digits - 3, 0)}f}" if x < 0 else f"£{x:,.{max(digits - 3, 0)}f}"


def gbp_figure(x: float, digits: int = 0) -> str:
    """GBP as :func:`gbp`, but zero as a figure (``£0``): an interval's end of "nothing" reads as no end."""
    return "£0" if x == 0 else gbp(x, digits)


def number(x: float, digits: int = 1) -> str:
    """A count with ``digits`` decimals."""
    return f"{x:,.{digits}f}"


def is_money(column: str) -> bool:
    """Whether a column of options.csv is in GBP (by its name)."""
    return "gbp" in column or "cost" in column or column in FUNDER_ITEMS


def precise(write: Callable[..., str], money: bool, lo: float, hi: float, mean: float | None = None) -> int:
    """The fewest decimals that keep an interval's ends apart, and its mean apart from both if that can be."""
    steps = (0, 1, 2, 3, 5) if money else (1, 2, 3, 4)
    apart = [d for d in steps if write(lo, d) != write(hi, d)]
    if not apart:
        return steps[-1]
    if mean is not None:
        for d in steps[steps.index(apart[0]):]:
            if write(mean, d) not in (write(lo, d), write(hi, d)):
                return d
    return apart[0]


def interval_text(mean: float, lo: float, hi: float, money: bool, why_none: str = "no interval",
                  label: str = "") -> str:
    """A mean with its interval, at the precision that keeps the interval's ends (and the mean) apart.

    ``GBP 7k (7k-7k)`` says nothing: the numbers are written with more decimals until they differ
    (:func:`precise`). An interval of zero width means every replication gave the same value (a
    bootstrap of equal values), and the text says so instead (nothing more for a cost of nothing);
    a missing one says ``why_none``. ``label`` goes before the interval's ends (what it is).
    """
    if pd.isna(mean):
        return f"- ({why_none})"
    write = gbp_figure if money else number
    if pd.isna(lo) or pd.isna(hi):
        return f"{write(mean)} ({why_none})"
    if hi - lo <= 1e-9 * max(1.0, abs(mean)):
        return "nothing" if money and mean == 0 else f"{write(mean)} ({SAME})"
    digits = precise(write, money, lo, hi, mean)
    return f"{write(mean, digits)} ({label}{write(lo, digits)} to {write(hi, digits)})"


def spread_of_runs(per_rep: pd.DataFrame, option: str, column: str, money: bool) -> str | None:
    """The central 95% of single replications of one option's measure (None if every run gave the same)."""
    values = per_rep.loc[per_rep["option"] == option, column].dropna()
    if values.empty:
        return None
    lo, hi = float(values.quantile(0.025)), float(values.quantile(0.975))
    if hi - lo <= 1e-9 * max(1.0, abs(hi)):
        return None
    write = gbp if money else number
    digits = precise(write, money, lo, hi)
    return f"{write(lo, digits)} to {write(hi, digits)}"


def wilson(successes: float, n: float) -> tuple[float, float]:
    """The 95% Wilson score interval of a share ``successes / n`` (exact ends 0 and 1 kept)."""
    z = 1.959963984540054
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return max(0.0, centre - half), min(1.0, centre + half)


def share_text(share: float, n: int) -> str:
    """A share of ``n`` runs with its 95% Wilson interval."""
    lo, hi = wilson(round(share * n), n)
    return f"{share:.0%} of runs (95% CI {lo:.0%} to {hi:.0%})"


def option_paragraph(row: pd.Series, increment: pd.Series | None, budget: float | None,
                     per_rep: pd.DataFrame, name: Callable[[str], str] = str) -> str:
    """A plain paragraph about one option from its numbers (``name``: how an option's name is written).

    Each mean is followed by its 95% CI of the mean and, for cost and sustained improvements, by the
    spread of single runs.
    """
    option = str(row["option"])

    def measure(column: str, money: bool, unit: str = "") -> str:
        mean, lo, hi = row[column], row[f"{column}_lo"], row[f"{column}_hi"]
        spread = spread_of_runs(per_rep, option, column, money) if column in per_rep else None
        if pd.isna(lo) or pd.isna(hi) or hi - lo <= 1e-9 * max(1.0, abs(mean)):
            return interval_text(mean, lo, hi, money).replace(" (", f"{unit} (", 1)
        write = gbp if money else number
        digits = precise(write, money, lo, hi, mean)
        spread = "" if spread is None else f"; {SPREAD_TEXT} {spread}"
        return f"{write(mean, digits)}{unit} ({LEVEL_TEXT} {write(lo, digits)} to {write(hi, digits)}{spread})"

    text = (f"**{name(option)}** costs the funder {measure('funder_gbp', True)} and leads to "
            f"{measure('sustained', False, ' sustained improvements')}, reaching "
            f"{measure('homes_reached', False, ' homes')}.")
    if row["funder_gbp"] > 0 and row["sustained"] > 0:
        per = interval_text(row["funder_gbp_per_sustained"], row["funder_gbp_per_sustained_lo"],
                            row["funder_gbp_per_sustained_hi"], True, "no interval: too few runs with an effect",
                            f"{LEVEL_TEXT} ")
        text += f" That is {per} per sustained improvement, on average."
    if budget is not None and "share_of_replications_within_budget" in row:
        share = row["share_of_replications_within_budget"]
        text += f" It fits the budget of {gbp(budget)} in {share_text(share, int(row['replications']))}."
    if increment is not None:
        status = increment.get("status")
        by = increment.get("dominated_by")
        by = [] if by is None or pd.isna(by) else [name(plain_option(o.strip())) for o in str(by).split(" + ")]
        if status == "dominated":
            who = by[0] if len(by) == 1 else "Another option"
            text += f" {who} does as much or more for less (this option is dominated): it is not a good buy."
        elif status == "extendedly dominated":
            who = f"A mix of {by[0]} and {by[1]}" if len(by) == 2 else "A mix of two other options"
            text += f" {who} would do more for the same money (extended dominance): it is not a good buy."
        elif increment.get("on_frontier") and pd.notna(increment.get("icer")):
            icer = interval_text(increment["icer"], increment.get("icer_low"), increment.get("icer_high"), True,
                                 "no interval: the extra effect is too uncertain", "95% CI ")
            text += (f" It is on the frontier. Compared with the next cheaper good buy, each extra sustained "
                     f"improvement costs {icer}: its ICER.")
    return text


def plain_table(options: pd.DataFrame, budget: float | None) -> pd.DataFrame:
    """The options table: plain option and column names, each mean with its 95% CI of the mean."""
    def column(measure: str, why_none: str = "no interval") -> list[str]:
        return [interval_text(m, lo, hi, is_money(measure), why_none) for m, lo, hi in
                zip(options[measure], options[f"{measure}_lo"], options[f"{measure}_hi"], strict=True)]

    out = pd.DataFrame({"Option": options["option"].astype(str).map(plain_option)})
    for measure in SHOWN:
        why = "no sustained improvement to divide by" if measure == "funder_gbp_per_sustained" else "no interval"
        out[plain_measure(measure)] = column(measure, why)
    if budget is not None and "within_budget" in options:
        out["Mean cost within budget"] = options["within_budget"].map({True: "yes", False: "no"})
        out["Runs within budget"] = [share_text(s, int(n)) for s, n in
                                     zip(options["share_of_replications_within_budget"], options["replications"],
                                         strict=True)]
    return out


def more_measures(options: pd.DataFrame) -> pd.DataFrame:
    """Every other measure of options.csv with an interval (``x``, ``x_lo``, ``x_hi``), generically.

    New columns that the comparison writes (resident outcomes, net benefit, ...) show up here without a
    change to the report; known ones get their plain name (:data:`qicsim.studies.policy.glossary.MEASURE_NAMES`).
    """
    out = pd.DataFrame({"Option": options["option"].astype(str).map(plain_option)})
    for measure in options.columns:
        if (measure in SHOWN or measure in NOT_MEASURES or measure.endswith(("_lo", "_hi"))
                or f"{measure}_lo" not in options or f"{measure}_hi" not in options):
            continue
        why = "nothing to divide by" if "_per_" in measure else "no interval"
        out[plain_measure(measure)] = [interval_text(m, lo, hi, is_money(measure), why) for m, lo, hi in
                                       zip(options[measure], options[f"{measure}_lo"], options[f"{measure}_hi"],
                                           strict=True)]
    return out


def headline(chosen: str | None, budget: float | None, row: pd.Series | None = None) -> str:
    """The report's first sentence: the pick, or why there is none (``chosen`` already written for the format)."""
    if chosen is not None:
        what = ""
        if row is not None:
            ci = f"{LEVEL_TEXT} "
            what = (f": {interval_text(row['sustained'], row['sustained_lo'], row['sustained_hi'], False, label=ci)} "
                    f"sustained improvements on average, at a mean cost to the funder of "
                    f"{interval_text(row['funder_gbp'], row['funder_gbp_lo'], row['funder_gbp_hi'], True, label=ci)}")
        return (f"Within the budget of {gbp(budget)}, the option with most sustained improvements is "
                f"**{chosen}**{what}." if budget is not None else
                f"The option with the lowest cost per sustained improvement is **{chosen}**{what}.")
    if budget is not None:
        return f"No option fits the budget of {gbp(budget)}."
    return ("No option that costs the funder something leads to sustained improvements, so none has a cost per "
            "sustained improvement to compare.")


STRUCTURES_NOTE = ("Each run drew one of the rival model structures with its calibrated probability (a model-averaged "
                   "ensemble), so the runs can be split by structure and the pick made again from each structure's "
                   "runs alone. Few runs per structure make its pick a hint, not a finding.")


def by_structure(per_rep: pd.DataFrame, budget: float | None,
                 name: Callable[[str], str] = str) -> tuple[pd.DataFrame, str, bool] | None:
    """The pick under each rival structure (from the runs that drew it) and whether the structures agree.

    Args:
        per_rep: The replications table.
        budget: The funder's budget, or None.
        name: How text is escaped for the report's format, in the sentence (the table is plain text).

    Returns:
        None unless the runs drew from a model-averaged ensemble (a ``structure`` column); else a table of
        plain text (structure, share of runs, runs, pick, its mean sustained improvements), one sentence,
        and whether every structure's pick is the pick over all runs.
    """
    if "structure" not in per_rep.columns:
        return None
    def plain(option: str | None) -> str:
        return "no option" if option is None else plain_option(option)

    runs = per_rep["seed"].nunique()
    overall = pick(per_rep.groupby("option", sort=False)[["funder_gbp", "sustained"]].mean().reset_index(), budget)
    rows = []
    for structure, group in per_rep.groupby("structure", sort=True):
        means = group.groupby("option", sort=False)[["funder_gbp", "sustained"]].mean()
        chosen = pick(means.reset_index(), budget)
        rows.append({"Structure": str(structure), "Share of runs": f"{group['seed'].nunique() / runs:.0%}",
                     "Runs": group["seed"].nunique(), "Pick": plain(chosen),
                     "Its sustained improvements (mean)": "-" if chosen is None else
                     number(means.loc[chosen, "sustained"])})
    table = pd.DataFrame(rows)
    agree = set(table["Pick"]) == {plain(overall)}
    if agree:
        sentence = f"The rival structures agree: the pick is {name(plain(overall))} under each of them."
    else:
        picks = "; ".join(f"under {name(r['Structure'])}, {name(r['Pick'])}" for r in rows)
        sentence = (f"The rival structures disagree on the pick ({picks}); over all runs, weighted by the structures' "
                    f"probabilities, it is {name(plain(overall))}.")
    return table, sentence, agree


def comparator(increments: pd.DataFrame) -> str | None:
    """The option the others are compared with (incremental.csv's ``baseline`` status), if any."""
    found = increments.index[increments["status"] == BASELINE_STATUS]
    return str(found[0]) if len(found) else None


def reading_note(replications: int) -> str:
    """What the numbers and their intervals are."""
    return (f"Each number in the table is the mean over {replications} simulated runs per option. In brackets: its "
            f"{LEVEL_TEXT} (the uncertainty of the average, from a bootstrap over the runs; it narrows with more "
            f"runs). The paragraphs below also give the {SPREAD_TEXT} (the central 95% of single runs: how "
            f"differently one real programme might turn out), which is wider. '{SAME.capitalize()}' means every "
            f"run gave that value, so there is no interval to show.")


def about(case: Case | None, replications: int) -> list[str]:
    """How the comparison was made: model version, the case, the ensemble (``case``: its Case, if known)."""
    from qicsim.run.output import ensemble_record, environment

    env = environment()
    commit = env.get("git_commit")
    lines = [f"Made with qicsim {env['qicsim_version']}" + (f" (commit {commit[:12]}" + (", with local changes)"
             if commit.endswith("+dirty") else ")") if commit else "") + "."]
    if case is None:
        lines.append(f"{replications} simulated runs per option (see provenance.json for the rest).")
        return lines
    homes = case.homes or 29
    weeks = case.weeks or 78
    lines.append(f"{homes} care homes in four sites; {weeks} weeks of support, then a year of follow-up in which "
                 f"sustained improvements are counted; {case.replications} simulated runs per option, every option "
                 f"on the same runs (master seed {case.seed}).")
    if case.ensemble is None:
        lines.append("The model's settings are its point values (no ensemble): the intervals show chance alone, "
                     "not uncertainty about the settings.")
    else:
        from qicsim.config.ensemble import sidecar
        from qicsim.studies.policy.appraisal import case_ensemble

        drawn = case_ensemble(case)
        record = ensemble_record(drawn).get("ensemble", {})
        calibration = sidecar(drawn).get("calibration", "?")
        sets = "structures and parameter sets" if sidecar(drawn).get("kind") == "model-averaged" else "parameter sets"
        lines.append(f"Each run draws the model's settings from the calibrated ensemble '{drawn}' "
                     f"({record.get('rows', '?')} {sets} of the calibration '{calibration}', file "
                     f"{Path(str(record.get('path', '?'))).name}, SHA-256 {str(record.get('sha256', '?'))[:12]}), so "
                     f"the intervals carry uncertainty about the settings as well as chance.")
    lines.append(f"Model structure: {case.structure or 'the default'} (docs/ODD.md section 4).")
    return lines


def sections(folder: Path, budget: float | None, name: Callable[[str], str] = str,
             case: Case | None = None) -> dict[str, object]:
    """Everything the report says, from the folder's tables.

    Args:
        folder: The comparison's folder.
        budget: The funder's budget in GBP, or None.
        name: How an option's plain name is written in the prose (escaped for the report's format).
        case: The comparison's :class:`qicsim.studies.policy.appraisal.Case`, for "How this was made".
    """
    options = pd.read_csv(folder / "options.csv")
    increments = pd.read_csv(folder / "incremental.csv").set_index("option")
    per_rep = pd.read_csv(folder / "replications.csv")
    def named(option: object) -> str:
        return "no option" if option is None or pd.isna(option) else name(plain_option(str(option)))

    paragraphs = [option_paragraph(row, increments.loc[row["option"]] if row["option"] in increments.index else None,
                                   budget, per_rep, named) for _, row in options.iterrows()]
    moving = sensitivity(per_rep, budget).head(3)
    chosen = moving["pick_base"].iloc[0]
    chosen = None if pd.isna(chosen) else str(chosen)
    assumptions = []
    for _, row in moving.iterrows():
        changes = [f"to {named(row[f'pick_{side}'])} at {sign}50%" for side, sign in (("low", "-"), ("high", "+"))
                   if named(row[f"pick_{side}"]) != named(chosen)]
        flips = f"the pick changes ({', '.join(changes)})" if changes else f"the pick stays {named(chosen)}"
        moved = (f"; the cost per sustained improvement of {named(chosen)} moves by up to "
                 f"{row['cost_per_sustained_change']:.0%}" if row["cost_per_sustained_change"] > 0 else "")
        assumptions.append(f"The {row['assumption']}: at +-50%, {flips}{moved}; this item is "
                           f"{row['spend_share']:.0%} of all funder spend simulated.")
    reference = comparator(increments)
    figures = dict(FIGURES)
    if budget is not None:
        figures["ce_plane.png"] += "; the dotted line is the budget"
    compared = None
    if reference is not None and reference != BASELINE_OPTION:  # say so: the figures and ICERs are relative to it
        figures["ce_plane.png"] = (f"Extra cost against extra sustained improvements, compared with "
                                   f"{plain_option(reference)}")
        compared = (f"There is no option named {BASELINE_OPTION} (zero spend) among those compared: each option is "
                    f"compared with the first one given, **{named(reference)}**.")
    chosen_row = options.set_index("option").loc[chosen] if chosen is not None else None
    replications = int(options["replications"].max())
    described = [(named(o), OPTION_DESCRIPTIONS.get(str(o), "An option from its own file (its description is in "
                                                             "provenance.json).")) for o in options["option"]]
    return {"options": options, "table": plain_table(options, budget), "more": more_measures(options),
            "structures": by_structure(per_rep, budget, name),
            "described": described, "paragraphs": paragraphs, "reading": reading_note(replications),
            "assumptions": assumptions, "figures": figures, "compared": compared,
            "headline": headline(None if chosen is None else named(chosen), budget, chosen_row),
            "about": about(case, replications), "limits": limits(case),
            "glossary": with_search_terms(folder, glossary(budget is not None))}


def with_search_terms(folder: Path, terms: dict[str, str]) -> dict[str, str]:
    """A glossary with the budget search's own terms added when the folder has a search (``qicsim compare --optimise``).

    The search's section of the report (:func:`qicsim.studies.policy.budget_report.add_to_report`) speaks of mixes,
    planned cost and the chance of overspending: every term the page uses is in its glossary.
    """
    if not (folder / "budget.csv").is_file():
        return terms
    return {**terms, **{term: text for term, text in search_glossary().items() if term not in terms}}


HOW_PICKED = ("How these were picked: each funder cost item's unit costs were moved by 50% down and up, one at a "
              "time, and the simulated runs re-priced (costs can be re-priced without rerunning the model). "
              "They are ranked by whether the pick changes, then by how much its cost per sustained improvement "
              "moves. The percentages are exact for these runs (a re-pricing, not an estimate), so they have no "
              "interval. How strongly each change acts in the model was not varied here.")
TITLE = "What each funding option costs and buys"
FILES = ("The numbers behind this page: report.xlsx (inputs on their own sheet), options.csv, incremental.csv, "
         "acceptability.csv; how it was run: provenance.json.")


def md_table(table: pd.DataFrame) -> str:
    """A DataFrame of plain text as a Markdown table, every cell escaped."""
    return table.map(lambda x: markdown_text(str(x))).rename(columns=markdown_text).to_markdown(index=False)


def write_markdown(folder: Path, parts: dict[str, object]) -> None:
    """``report.md``."""
    econ = economics_parts(folder, markdown_text)
    lines = [f"# {TITLE}", "", str(parts["headline"]), ""]
    if econ.get("nmb"):
        lines += [str(econ["nmb"]), ""]
    if parts["compared"]:
        lines += [str(parts["compared"]), ""]
    structures = parts.get("structures")
    if structures is not None and not structures[2]:
        lines += [structures[1], ""]
    lines += [f"## {SECTIONS['options']}", "", markdown_text(str(parts["reading"])), "", md_table(parts["table"]), ""]
    lines += [f"- {name}: {markdown_text(text)}" for name, text in parts["described"]]
    lines += ["", *economics_markdown(econ)]
    if len(parts["more"].columns) > 1:
        lines += ["", f"## {SECTIONS['measures']}", "", md_table(parts["more"])]
    if structures is not None:
        lines += ["", f"## {SECTIONS['structures']}", "", structures[1], "", STRUCTURES_NOTE, "",
                  md_table(structures[0])]
    lines += ["", f"## {SECTIONS['paragraphs']}", ""] + [f"- {p}" for p in parts["paragraphs"]]
    lines += ["", f"## {SECTIONS['figures']}", ""] + [f"![{markdown_text(caption)}]({name})"
                                                      for name, caption in parts["figures"].items()]
    lines += ["", f"## {SECTIONS['assumptions']}", ""]
    lines += [f"{i}. {a}" for i, a in enumerate(parts["assumptions"], 1)] + ["", HOW_PICKED]
    lines += ["", f"## {SECTIONS['limits']}", ""] + [f"- {x}" for x in parts["limits"]]
    lines += ["", f"## {SECTIONS['validation']}", "", " ".join(VALIDATION_RECORD)]
    lines += ["", f"## {SECTIONS['how-run']}", "", *[f"- {markdown_text(x)}" for x in parts["about"]]]
    lines += ["", f"## {SECTIONS['glossary']}", "",
              md_table(pd.DataFrame({"Term": list(parts["glossary"]), "Meaning": list(parts["glossary"].values())}))]
    lines += ["", f"## {SECTIONS['cheers']}", "", CHEERS_NOTE, "", md_table(cheers_table())]
    lines += ["", FILES, ""]
    (folder / "report.md").write_text("\n".join(lines))


CHEERS_NOTE = ("Where this report answers each item of the CHEERS 2022 reporting checklist (Husereau et al., BMJ "
               "2022;376:e067975), or why it does not.")


def cheers_table() -> pd.DataFrame:
    """The CHEERS 2022 items with the section that answers each, or "not reported"."""
    return pd.DataFrame({"Item": [n for n, *_ in CHEERS], "Topic": [t for _, t, *_ in CHEERS],
                         "Where": [SECTIONS[s] if s else "not reported" for _, _, s, _ in CHEERS],
                         "What it says": [text for *_, text in CHEERS]})


def bold(text: str) -> str:
    """Escape for HTML and turn ``**x**`` into ``<strong>x</strong>``."""
    parts = html.escape(text).split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


STYLE = """
*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#1a1a1a;
 max-width:62em;margin:0 auto;padding:0.75em 1em;overflow-wrap:break-word}
main{min-width:0}
h1{font-size:1.6em;line-height:1.2}
h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd}
.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch;margin:0.5em 0}
table{border-collapse:collapse;font-size:0.9em}
td,th{padding:0.3em 0.6em;border-bottom:1px solid #ccc;text-align:left;vertical-align:top}
th{background:#f3f3f3}
figure{margin:1em 0}
figure img{display:block;width:100%;max-width:100%;height:auto}
figcaption{font-size:0.9em;color:#444}
.note{font-size:0.9em;color:#333}
dl.glossary dt{font-weight:bold;margin-top:0.5em}
dl.glossary dd{margin-left:1em}
@media (max-width:600px){body{padding:0.5em}table{font-size:0.8em}td,th{padding:0.25em 0.4em}}
"""
"""The page's CSS: figures as wide as the text; tables scroll inside their own box, never the page."""


def html_table(table: pd.DataFrame, css: str) -> str:
    """A table in a box that scrolls sideways on a narrow screen (the page itself never does)."""
    return f'<div class="scroll">{table.to_html(index=False, border=0, classes=css)}</div>'


def write_html(folder: Path, parts: dict[str, object]) -> None:
    """``report.html``: one responsive page (viewport set, figures scale, tables scroll in their box)."""
    def section(key: str, *content: str) -> str:
        return f'<section id="{key}"><h2>{html.escape(SECTIONS[key])}</h2>{"".join(content)}</section>'

    figures = "".join(f'<figure><img src="{name}" alt="{html.escape(c)}">'
                      f"<figcaption>{html.escape(c)}</figcaption></figure>" for name, c in parts["figures"].items())
    compared = f"<p>{bold(str(parts['compared']))}</p>" if parts["compared"] else ""
    described = "".join(f"<li><strong>{html.escape(n)}</strong>: {html.escape(t)}</li>" for n, t in parts["described"])
    more = section("measures", html_table(parts["more"], "measures")) if len(parts["more"].columns) > 1 else ""
    structures = parts.get("structures")
    by_structure_html = "" if structures is None else section(
        "structures", f"<p>{bold(structures[1])}</p>", f'<p class="note">{html.escape(STRUCTURES_NOTE)}</p>',
        html_table(structures[0], "structures"))
    disagree = f"<p>{bold(structures[1])}</p>" if structures is not None and not structures[2] else ""
    econ = economics_parts(folder)
    nmb = f"<p>{bold(str(econ['nmb']))}</p>" if econ.get("nmb") else ""
    terms = "".join(f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>"
                    for term, text in parts["glossary"].items())
    rows = "".join(f"<tr><td>{n}</td><td>{html.escape(topic)}</td><td>"
                   + (f'<a href="#{where}">{html.escape(SECTIONS[where])}</a>' if where else "not reported")
                   + f"</td><td>{html.escape(text)}</td></tr>" for n, topic, where, text in CHEERS)
    cheers_html = ('<div class="scroll"><table class="cheers"><thead><tr><th>Item</th><th>Topic</th><th>Where</th>'
                   f"<th>What it says</th></tr></thead><tbody>{rows}</tbody></table></div>")
    body = [
        f'<header id="title"><h1>{html.escape(TITLE)}</h1></header>',
        f'<section id="answer"><p>{bold(str(parts["headline"]))}</p>{nmb}{compared}{disagree}</section>',
        section("options", f'<p class="note">{html.escape(str(parts["reading"]))}</p>',
                html_table(parts["table"], "options"), f"<ul>{described}</ul>"),
        economics_html(econ, section),
        more,
        by_structure_html,
        section("paragraphs", "<ul>" + "".join(f"<li>{bold(p)}</li>" for p in parts["paragraphs"]) + "</ul>"),
        section("figures", figures),
        section("assumptions", "<ol>" + "".join(f"<li>{bold(a)}</li>" for a in parts["assumptions"]) + "</ol>",
                f'<p class="note">{html.escape(HOW_PICKED)}</p>'),
        section("limits", "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in parts["limits"]) + "</ul>"),
        section("validation", f"<p>{html.escape(' '.join(VALIDATION_RECORD))}</p>"),
        section("how-run", "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in parts["about"]) + "</ul>"),
        section("glossary", f'<dl class="glossary">{terms}</dl>'),
        section("cheers", f"<p>{html.escape(CHEERS_NOTE)}</p>", cheers_html),
        f'<p class="note">{html.escape(FILES)}</p>',
    ]
    (folder / "report.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(TITLE)}</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n")


def inputs_sheet(costs: UnitCosts) -> pd.DataFrame:
    """Every unit cost with its source: hourly cost per role, then the others."""
    rows = [{"input": f"hourly_cost_gbp.{role}", "value_gbp": value,
             "source": costs.sources.get(f"hourly_cost_gbp.{role}", "assumption")}
            for role, value in costs.hourly.items()]
    rows += [{"input": key, "value_gbp": value, "source": costs.sources.get(key, "assumption")}
             for key, value in costs.scalars.items()]
    return pd.DataFrame(rows)


PERSPECTIVE_NAMES = {"nhs_pss": "NHS and personal social services (reference case)", "funder": "Funder only",
                     "societal": "Societal"}
"""The perspectives of ``incremental_perspectives.csv``, reference case first (its order)."""
EVENTS_AVERTED = {"falls_averted": "Falls averted", "infections_averted": "Infections averted",
                  "admissions_averted": "Avoidable admissions averted",
                  "pressure_ulcers_averted": "Pressure ulcers averted (counted under prevention by topic only)",
                  "bed_days_averted": "Hospital bed days averted",
                  "conveyances_averted": "Ambulance conveyances averted"}
"""Columns of ``outcomes.csv`` shown in 'What it means for residents and the NHS', in plain words."""


def economics_sheets(folder: Path) -> dict[str, pd.DataFrame]:
    """The residents' outcomes and the perspectives' incremental analyses as spreadsheet sheets (when written)."""
    sheets = {}
    for sheet, file in (("outcomes", "outcomes.csv"), ("perspectives", "incremental_perspectives.csv")):
        if (folder / file).is_file():
            table = pd.read_csv(folder / file)
            names = table["option"].astype(str).map(plain_option)
            table.insert(table.columns.get_loc("option") + 1, "option_name", names)
            sheets[sheet] = table
    return sheets


def residents_table(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Each option against the baseline (``outcomes.csv``): QALYs, events averted, offsets, net monetary benefit."""
    def column(measure: str, money: bool) -> list[str]:
        return [interval_text(m, lo, hi, money, label=f"{LEVEL_TEXT} ") for m, lo, hi in
                zip(outcomes[measure], outcomes[f"{measure}_lo"], outcomes[f"{measure}_hi"], strict=True)]

    out = pd.DataFrame({"Option": outcomes["option"].astype(str).map(plain_option)})
    out["QALYs gained"] = column("qalys_gained", False)
    for measure, title in EVENTS_AVERTED.items():
        # Pressure ulcers arise only under prevention by topic: a topic-blind run's column of zeros says nothing.
        if measure in outcomes and (measure != "pressure_ulcers_averted" or outcomes[measure].any()):
            out[title] = column(measure, False)
    out["Cost offsets (NHS costs of events averted)"] = column("offsets_gbp", True)
    out["Extra cost, reference case (offsets included)"] = column("inc_cost_nhs_pss_gbp", True)
    for wtp in nmb_values(outcomes):
        out[f"Net monetary benefit at {gbp(wtp)} per QALY"] = column(f"nmb_{wtp}", True)
    for wtp in nmb_values(outcomes):
        per = outcomes.get(f"nmb_{wtp}_per_extra_sustained")
        if per is not None:
            out[f"Net benefit per extra sustained improvement at {gbp(wtp)} per QALY"] = [
                "- (no extra sustained improvement to divide by)" if pd.isna(x) else
                f"{gbp(x, 1)} (a ratio of means: no interval)" for x in per]
    return out


def nmb_values(outcomes: pd.DataFrame) -> list[int]:
    """The willingness-to-pay values (GBP per QALY) of ``outcomes.csv``'s net monetary benefit columns."""
    found = [c.removeprefix("nmb_") for c in outcomes.columns if c.startswith("nmb_")]
    return sorted(int(v) for v in found if v.isdigit())


def perspectives_table(increments: pd.DataFrame) -> pd.DataFrame:
    """Each option from each perspective (reference case first): extra cost over the baseline and the verdict on QALYs.

    From ``incremental_perspectives.csv``'s QALY rows (sustained improvements where QALYs were not counted).
    """
    measure = "qalys" if (increments["effect_measure"] == "qalys").any() else "sustained"
    unit = "QALY" if measure == "qalys" else "sustained improvement"
    rows = increments[increments["effect_measure"] == measure]
    options = list(pd.unique(rows["option"]))
    out = pd.DataFrame({"Option": [plain_option(str(o)) for o in options]})
    first = True
    for perspective in pd.unique(rows["perspective"]):
        table = rows[rows["perspective"] == perspective].set_index("option").reindex(options)
        base = table[table["status"] == BASELINE_STATUS]
        base_cost = float(base["cost"].iloc[0]) if len(base) else 0.0
        base_effect = float(base["effect"].iloc[0]) if len(base) else 0.0
        title = PERSPECTIVE_NAMES.get(str(perspective), str(perspective))
        if first:  # the effect is the same from every perspective: shown once
            out[f"{'QALYs' if measure == 'qalys' else 'Sustained improvements'} gained over the baseline"] = [
                "-" if row["status"] == BASELINE_STATUS else
                interval_text(row["effect"] - base_effect, row["inc_effect_low"], row["inc_effect_high"], False,
                              label=f"{LEVEL_TEXT} ") for _, row in table.iterrows()]
            first = False
        out[f"{title}: extra cost over the baseline"] = [
            "-" if row["status"] == BASELINE_STATUS else
            interval_text(row["cost"] - base_cost, row["inc_cost_low"], row["inc_cost_high"], True,
                          label=f"{LEVEL_TEXT} ") for _, row in table.iterrows()]
        out[f"{title}: verdict"] = [verdict(row, unit) for _, row in table.iterrows()]
    return out


def verdict(row: pd.Series, unit: str) -> str:
    """An option's place in one perspective's incremental analysis, in words."""
    status = row["status"]
    if status == BASELINE_STATUS:
        return "the baseline"
    if status == "dominated":
        return f"dominated by {plain_option(str(row['dominated_by']))}"
    if status == "extendedly dominated":
        return "extendedly dominated (" + " + ".join(plain_option(o.strip())
                                                     for o in str(row["dominated_by"]).split(" + ")) + ")"
    if pd.notna(row.get("icer")):
        against = plain_option(str(row["compared_with"]))
        text = f"on the frontier: {gbp(row['icer'], 1)} per extra {unit} (ICER against {against})"
        if unit == "QALY":  # NICE's range of GBP 20,000 to 30,000 per QALY
            text += ("; below NICE's £20k" if row["icer"] < 20_000 else "; within NICE's £20k to £30k"
                     if row["icer"] <= 30_000 else "; above NICE's £30k") + " per QALY"
        return text
    return "on the frontier"


def nmb_sentence(outcomes: pd.DataFrame, name: Callable[[str], str] = str) -> str | None:
    """Which option has the highest net monetary benefit at each willingness to pay per QALY (reference case)."""
    values = nmb_values(outcomes)
    if outcomes.empty or not values:
        return None
    parts = []
    for wtp in values:
        row = outcomes.loc[outcomes[f"nmb_{wtp}"].idxmax()]
        value = interval_text(row[f"nmb_{wtp}"], row[f"nmb_{wtp}_lo"], row[f"nmb_{wtp}_hi"], True,
                              label=f"{LEVEL_TEXT} ")
        if row[f"nmb_{wtp}"] <= 0:
            parts.append(f"at {gbp(wtp)} per QALY no option has a positive net monetary benefit against the baseline "
                         f"(the highest, **{name(plain_option(str(row['option'])))}**, {value})")
        else:
            parts.append(f"at {gbp(wtp)} per QALY the highest net monetary benefit against the baseline is "
                         f"**{name(plain_option(str(row['option'])))}**'s, {value}")
    return ("Judged from the NHS and personal social services perspective (NICE's reference case, costs and QALYs "
            "discounted at the rate in 'How this was made'): " + "; ".join(parts) + ".")


def economics_parts(folder: Path, name: Callable[[str], str] = str) -> dict[str, object]:
    """What the report says about residents' outcomes and the perspectives (nothing for a folder without them)."""
    parts: dict[str, object] = {}
    if (folder / "outcomes.csv").is_file():
        outcomes = pd.read_csv(folder / "outcomes.csv")
        if not outcomes.empty and "qalys_gained" in outcomes:
            parts["residents"] = residents_table(outcomes)
            parts["nmb"] = nmb_sentence(outcomes, name)
    if (folder / "incremental_perspectives.csv").is_file():
        parts["perspectives"] = perspectives_table(pd.read_csv(folder / "incremental_perspectives.csv"))
    return parts


RESIDENTS_NOTE = ("Each option against the baseline over the weeks of support and the year of follow-up, run by run "
                  "(the same runs): residents' events averted, QALYs gained (discounted), the NHS costs those events "
                  "would have cost (cost offsets), and net monetary benefit: QALYs gained valued at GBP 20,000 and "
                  "GBP 30,000 each, minus the extra cost from the reference-case perspective. Pressure ulcers are "
                  "counted only under prevention by topic (structure.prevention = by_topic). All numbers: "
                  "outcomes.csv.")
PERSPECTIVES_NOTE = ("Whose costs count changes the answer. First NICE's reference case (NHS and personal social "
                     "services: the funder's payments, the commissioner's own programme, NHS staff time and the NHS "
                     "costs of residents' events), then the funder's payments alone and the societal view (adding "
                     "care home staff's time); costs discounted. The verdict is each option's place on that "
                     "perspective's frontier. All numbers: incremental_perspectives.csv.")


def economics_markdown(parts: dict[str, object]) -> list[str]:
    """The residents' and perspectives' sections of ``report.md`` (empty without them)."""
    lines: list[str] = []
    if "residents" in parts:
        lines += [f"## {SECTIONS['residents']}", "", RESIDENTS_NOTE, "", md_table(parts["residents"]), ""]
    if "perspectives" in parts:
        lines += [f"## {SECTIONS['perspectives']}", "", PERSPECTIVES_NOTE, "", md_table(parts["perspectives"]), ""]
    return lines


def economics_html(parts: dict[str, object], section: Callable[..., str]) -> str:
    """The residents' and perspectives' sections of ``report.html`` (empty without them)."""
    out = ""
    if "residents" in parts:
        out += section("residents", f'<p class="note">{html.escape(RESIDENTS_NOTE)}</p>',
                       html_table(parts["residents"], "residents"))
    if "perspectives" in parts:
        out += section("perspectives", f'<p class="note">{html.escape(PERSPECTIVES_NOTE)}</p>',
                       html_table(parts["perspectives"], "perspectives"))
    return out


def outcome_inputs(outcomes: Outcomes) -> pd.DataFrame:
    """What residents' events mean, each figure with its source (``provenance.json["outcomes"]``), as inputs rows.

    A QALY loss given as a disutility for some weeks is shown as the loss it gives, with both sources.
    """
    record = outcome_record(outcomes, "")
    sources = record["sources"]
    rows = []
    for kind, fields in record["per_event"].items():
        for name, value in fields.items():
            key = f"events.{kind}.{name}"
            source = sources.get(key)
            if source is None and name == "qaly_loss":
                parts = [sources.get(f"events.{kind}.{x}", "assumption") for x in ("disutility", "disutility_weeks")]
                source = f"disutility x weeks / 52: {parts[0]}; weeks: {parts[1]}"
            rows.append({"input": f"outcomes.{key}", "value": value, "source": source or "assumption"})
    rows.append({"input": "outcomes.bed_days_per_admission", "value": record["bed_days_per_admission"],
                 "source": sources.get("bed_days_per_admission", "assumption")})
    rows += [{"input": f"outcomes.unit_costs_gbp.{name}", "value": value,
              "source": sources.get(f"unit_costs_gbp.{name}", "assumption")}
             for name, value in record["unit_costs_gbp"].items()]
    rows += [{"input": "outcomes.wtp_gbp_per_qaly", "value": value,
              "source": "NICE's range of willingness to pay per QALY (reference case)"}
             for value in record["wtp_gbp_per_qaly"]]
    return pd.DataFrame(rows).rename(columns={"value": "value_gbp"})


def write_xlsx(folder: Path, costs: UnitCosts, outcomes: Outcomes | None = None) -> None:
    """``report.xlsx``: options, incremental, acceptability, inputs and glossary sheets; every string a text cell.

    An option named ``=HYPERLINK(...)`` (its file's name) would otherwise be a live formula: strings
    that start like a formula get a leading ``'`` (:func:`spreadsheet_text`), and every string cell is
    typed as text, so that openpyxl writes none as a formula or an error value (``#N/A``).
    """
    with needs_extra("studies"):
        import openpyxl  # noqa: F401 - pandas' engine below; imported here to name the extra if it is missing
    sheets = {sheet: pd.read_csv(folder / f"{sheet}.csv") for sheet in ("options", "incremental", "acceptability")}
    for table in sheets.values():  # the plain name beside the code name (which --options and the CSV files use)
        table.insert(1, "option_name", table["option"].astype(str).map(plain_option))
    sheets.update(economics_sheets(folder))
    terms = with_search_terms(folder, dict(GLOSSARY))
    sheets["glossary"] = pd.DataFrame({"term": list(terms), "meaning": list(terms.values())})
    sheets["inputs"] = inputs_sheet(costs)
    if outcomes is not None:
        sheets["outcome_inputs"] = outcome_inputs(outcomes)
    with pd.ExcelWriter(folder / "report.xlsx", engine="openpyxl") as writer:
        write_sheets(writer, sheets)


def write_sheets(writer: pd.ExcelWriter, sheets: dict[str, pd.DataFrame]) -> None:
    """Write each table to its sheet, every text cell typed as text (a leading '=' is never a formula)."""
    for sheet, table in sheets.items():
        table.map(spreadsheet_text).to_excel(writer, sheet_name=sheet, index=False)
        for row in writer.book[sheet].iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"


def write_report(folder: Path, costs: UnitCosts, budget: float | None, case: Case | None = None,
                 outcomes: Outcomes | None = None) -> None:
    """Write ``report.md``, ``report.html`` and ``report.xlsx`` into a comparison's folder.

    Args:
        folder: The comparison's folder (its CSV files and figures written).
        costs: The unit costs it was priced with (the inputs sheet).
        budget: The funder's budget in GBP, or None.
        case: Its :class:`qicsim.studies.policy.appraisal.Case` (homes, weeks, runs, ensemble), if known.
        outcomes: What residents' events meant (the outcome_inputs sheet), if they were counted.

    A budget search (``budget.csv`` and its tables, :func:`qicsim.studies.policy.budget_report.add_to_report`) and a
    PSA (:func:`qicsim.studies.policy.psa.add_to_report`) in the folder get their sections and sheets too.
    """
    pricing = pricing_lines(costs)
    write_markdown(folder, with_about(sections(folder, budget, markdown_text, case), pricing))
    write_html(folder, with_about(sections(folder, budget, case=case), pricing))  # escaped there (bold, to_html)
    write_xlsx(folder, costs, outcomes)
    from qicsim.studies.policy import budget_report, psa

    if budget is not None:  # the budget search's section and sheets, if qicsim compare --optimise ran one
        budget_report.add_to_report(folder, budget)
    psa.add_to_report(folder)  # the PSA's section and sheets, if qicsim compare --psa ran one


def pricing_lines(costs: UnitCosts) -> list[str]:
    """How money was counted: the price year and index, the discount rates."""
    index = f", figures of other years inflated with the {costs.index.name}" if costs.index is not None else ""
    return [f"Costs in GBP at {costs.price_year} prices{index} (inputs sheet of report.xlsx).",
            f"Costs and QALYs discounted at {costs.discount_rate:.1%} a year, week by week (NICE's reference case: "
            f"3.5%); {costs.discount_rate_sensitivity:.1%} as a sensitivity (the _sensitivity columns)."]


def with_about(parts: dict[str, object], lines: list[str]) -> dict[str, object]:
    """The report's parts with more lines under 'How this was made'."""
    return {**parts, "about": [*parts["about"], *lines]}

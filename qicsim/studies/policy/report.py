"""A one-page report of a comparison for people who do not program: ``report.md``, ``report.html``, ``report.xlsx``.

Read from a ``qicsim compare`` folder (``options.csv``, ``incremental.csv``, ``acceptability.csv``,
``replications.csv`` and the three figures) and the unit costs it was priced with.

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

import pandas as pd

from qicsim.lazy import needs_extra
from qicsim.studies.policy.costs import FUNDER_ITEMS, UnitCosts
from qicsim.studies.policy.options import BASELINE as BASELINE_OPTION

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
    "Costs rest on unit costs that are mostly assumptions (see the inputs sheet); prices are of mixed years.",
    "Effects rest on a model calibrated to one collaborative (PEACH, 29 care homes); other places may differ.",
    "It counts improvements implemented and sustained, not residents' health, quality of life or hospital use.",
    "It cannot tell which homes will engage, nor the effect of local leaders, staff turnover or events outside "
    "the model.",
]


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


def gbp(x: float) -> str:
    """GBP in thousands, plain."""
    return "nothing" if x == 0 else f"£{x / 1000:,.0f}k" if x >= 1000 else f"£{x:,.0f}"


def option_paragraph(row: pd.Series, increment: pd.Series | None, budget: float | None,
                     name: Callable[[str], str] = str) -> str:
    """A plain paragraph about one option from its numbers (``name``: how an option's name is written)."""
    spread = (f" (95% range {gbp(row['funder_gbp_lo'])} to {gbp(row['funder_gbp_hi'])})"
              if row["funder_gbp_hi"] > row["funder_gbp_lo"] else "")
    text = (f"**{name(row['option'])}** costs the funder {gbp(row['funder_gbp'])}{spread} and leads to "
            f"{row['sustained']:.1f} improvements sustained ({row['sustained_lo']:.1f} to {row['sustained_hi']:.1f}), "
            f"reaching {row['homes_reached']:.0f} homes.")
    if row["funder_gbp"] > 0 and row["sustained"] > 0:
        text += f" That is {gbp(row['funder_gbp_per_sustained'])} per sustained improvement."
    if budget is not None and "share_of_replications_within_budget" in row:
        share = row["share_of_replications_within_budget"]
        text += (f" It fits the budget of {gbp(budget)} in {share:.0%} of simulated runs." if share < 1
                 else f" It fits the budget of {gbp(budget)} in every simulated run.")
    if increment is not None:
        status = increment.get("status")
        if status == "dominated":
            text += " Another option does more for less: it is not a good buy."
        elif status == "extendedly dominated":
            text += " A mix of two other options would do more for the same money."
        elif increment.get("on_frontier") and pd.notna(increment.get("icer")):
            text += (f" Compared with the next cheaper good buy, each extra sustained improvement costs "
                     f"{gbp(increment['icer'])}.")
    return text


def plain_table(options: pd.DataFrame, budget: float | None) -> pd.DataFrame:
    """The options table with plain column names and rounded numbers."""
    out = pd.DataFrame({
        "Option": options["option"],
        "Funder pays": [f"{gbp(m)} ({gbp(lo)}-{gbp(hi)})" if hi > lo else gbp(m) for m, lo, hi in
                        zip(options["funder_gbp"], options["funder_gbp_lo"], options["funder_gbp_hi"], strict=True)],
        "Staff time (employers)": options["employer_time_gbp"].map(gbp),
        "Improvements sustained": [f"{m:.1f} ({lo:.1f}-{hi:.1f})" for m, lo, hi in
                                   zip(options["sustained"], options["sustained_lo"], options["sustained_hi"],
                                       strict=True)],
        "Homes reached": options["homes_reached"].round(0).astype(int),
        "Cost per sustained improvement": options["funder_gbp_per_sustained"].map(
            lambda x: "-" if pd.isna(x) or x == 0 else gbp(x)),
    })
    if budget is not None and "within_budget" in options:
        out["Within budget"] = options["within_budget"].map({True: "yes", False: "no"})
    return out


def headline(chosen: str | None, budget: float | None) -> str:
    """The report's first sentence: the pick, or why there is none (``chosen`` already written for the format)."""
    if chosen is not None:
        return (f"Within the budget of {gbp(budget)}, the option with most sustained improvements is **{chosen}**."
                if budget is not None else
                f"The option with the lowest cost per sustained improvement is **{chosen}**.")
    if budget is not None:
        return f"No option fits the budget of {gbp(budget)}."
    return ("No option that costs the funder something leads to sustained improvements, so none has a cost per "
            "sustained improvement to compare.")


def comparator(increments: pd.DataFrame) -> str | None:
    """The option the others are compared with (incremental.csv's ``baseline`` status), if any."""
    found = increments.index[increments["status"] == BASELINE_STATUS]
    return str(found[0]) if len(found) else None


def sections(folder: Path, budget: float | None, name: Callable[[str], str] = str) -> dict[str, object]:
    """Everything the report says, from the folder's tables.

    Args:
        folder: The comparison's folder.
        budget: The funder's budget in GBP, or None.
        name: How an option's name is written in the prose (escaped for the report's format).
    """
    options = pd.read_csv(folder / "options.csv")
    increments = pd.read_csv(folder / "incremental.csv").set_index("option")
    per_rep = pd.read_csv(folder / "replications.csv")
    paragraphs = [option_paragraph(row, increments.loc[row["option"]] if row["option"] in increments.index else None,
                                   budget, name) for _, row in options.iterrows()]
    moving = sensitivity(per_rep, budget).head(3)
    chosen = moving["pick_base"].iloc[0]
    chosen = None if pd.isna(chosen) else str(chosen)
    def named(option: object) -> str:
        return "no option" if option is None or pd.isna(option) else name(str(option))

    assumptions = []
    for _, row in moving.iterrows():
        changes = [f"to {named(row[f'pick_{side}'])} at {sign}50%" for side, sign in (("low", "-"), ("high", "+"))
                   if named(row[f"pick_{side}"]) != named(chosen)]
        flips = f"the pick changes ({', '.join(changes)})" if changes else f"the pick stays {named(chosen)}"
        moved = (f"; {named(chosen)}'s cost per sustained improvement moves by up to "
                 f"{row['cost_per_sustained_change']:.0%}" if row["cost_per_sustained_change"] > 0 else "")
        assumptions.append(f"The {row['assumption']}: at +-50%, {flips}{moved}; this item is "
                           f"{row['spend_share']:.0%} of all funder spend simulated.")
    reference = comparator(increments)
    figures = dict(FIGURES)
    compared = None
    if reference is not None and reference != BASELINE_OPTION:  # say so: the figures and ICERs are relative to it
        figures["ce_plane.png"] = f"Extra cost against extra sustained improvements, compared with {reference}"
        compared = (f"There is no option named {BASELINE_OPTION} (zero spend) among those compared: each option is "
                    f"compared with the first one given, **{name(reference)}**.")
    return {"options": options, "table": plain_table(options, budget), "paragraphs": paragraphs,
            "assumptions": assumptions, "headline": headline(None if chosen is None else name(chosen), budget),
            "figures": figures, "compared": compared}


HOW_PICKED = ("How these were picked: each funder cost item's unit costs were moved by 50% down and up, one at a "
              "time, and the simulated runs re-priced (costs can be re-priced without rerunning the model). "
              "They are ranked by whether the pick changes, then by how much its cost per sustained improvement "
              "moves. How strongly each change acts in the model was not varied here.")


def write_markdown(folder: Path, parts: dict[str, object]) -> None:
    """``report.md``."""
    table = parts["table"].assign(Option=parts["table"]["Option"].astype(str).map(markdown_text))
    lines = ["# What each funding option costs and buys", "", str(parts["headline"]), ""]
    if parts["compared"]:
        lines += [str(parts["compared"]), ""]
    lines += [table.to_markdown(index=False), "", "## The options in plain words", ""]
    lines += [f"- {p}" for p in parts["paragraphs"]]
    lines += ["", "## Figures", ""] + [f"![{markdown_text(caption)}]({name})"
                                       for name, caption in parts["figures"].items()]
    lines += ["", "## The three assumptions that most move the answer", ""]
    lines += [f"{i}. {a}" for i, a in enumerate(parts["assumptions"], 1)] + ["", HOW_PICKED]
    lines += ["", "## What the model cannot tell you", ""] + [f"- {x}" for x in LIMITS]
    lines += ["", "The numbers behind this page: report.xlsx (inputs on their own sheet), options.csv, "
                  "incremental.csv, acceptability.csv; how it was run: provenance.json.", ""]
    (folder / "report.md").write_text("\n".join(lines))


def bold(text: str) -> str:
    """Escape for HTML and turn ``**x**`` into ``<strong>x</strong>``."""
    parts = html.escape(text).split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


def write_html(folder: Path, parts: dict[str, object]) -> None:
    """``report.html``: one self-describing page; figures referenced beside it."""
    figures = "".join(f'<figure><img src="{name}" alt="{html.escape(c)}" style="max-width:48%">'
                      f"<figcaption>{html.escape(c)}</figcaption></figure>" for name, c in parts["figures"].items())
    compared = f"<p>{bold(str(parts['compared']))}</p>" if parts["compared"] else ""
    body = [
        "<h1>What each funding option costs and buys</h1>", f"<p>{bold(str(parts['headline']))}</p>", compared,
        parts["table"].to_html(index=False, border=0, classes="options"),
        "<h2>The options in plain words</h2>", "<ul>" + "".join(f"<li>{bold(p)}</li>" for p in parts["paragraphs"])
        + "</ul>",
        "<h2>Figures</h2>", figures,
        "<h2>The three assumptions that most move the answer</h2>",
        "<ol>" + "".join(f"<li>{bold(a)}</li>" for a in parts["assumptions"]) + "</ol>",
        f"<p><small>{html.escape(HOW_PICKED)}</small></p>",
        "<h2>What the model cannot tell you</h2>", "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in LIMITS)
        + "</ul>",
    ]
    style = ("body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}"
             "td,th{padding:0.2em 0.6em;border-bottom:1px solid #ccc;text-align:left}")
    (folder / "report.html").write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>Funding options"
                                        f"</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def inputs_sheet(costs: UnitCosts) -> pd.DataFrame:
    """Every unit cost with its source: hourly cost per role, then the others."""
    rows = [{"input": f"hourly_cost_gbp.{role}", "value_gbp": value,
             "source": costs.sources.get(f"hourly_cost_gbp.{role}", "assumption")}
            for role, value in costs.hourly.items()]
    rows += [{"input": key, "value_gbp": value, "source": costs.sources.get(key, "assumption")}
             for key, value in costs.scalars.items()]
    return pd.DataFrame(rows)


def write_xlsx(folder: Path, costs: UnitCosts) -> None:
    """``report.xlsx``: options, incremental, acceptability and inputs sheets; every string a text cell.

    An option named ``=HYPERLINK(...)`` (its file's name) would otherwise be a live formula: strings
    that start like a formula get a leading ``'`` (:func:`spreadsheet_text`), and every string cell is
    typed as text, so that openpyxl writes none as a formula or an error value (``#N/A``).
    """
    with needs_extra("studies"):
        import openpyxl  # noqa: F401 - pandas' engine below; imported here to name the extra if it is missing
    sheets = {sheet: pd.read_csv(folder / f"{sheet}.csv") for sheet in ("options", "incremental", "acceptability")}
    sheets["inputs"] = inputs_sheet(costs)
    with pd.ExcelWriter(folder / "report.xlsx", engine="openpyxl") as writer:
        for sheet, table in sheets.items():
            table.map(spreadsheet_text).to_excel(writer, sheet_name=sheet, index=False)
            for row in writer.book[sheet].iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"


def write_report(folder: Path, costs: UnitCosts, budget: float | None) -> None:
    """Write ``report.md``, ``report.html`` and ``report.xlsx`` into a comparison's folder."""
    write_markdown(folder, sections(folder, budget, markdown_text))
    write_html(folder, sections(folder, budget))  # escaped as a whole there (bold, to_html)
    write_xlsx(folder, costs)

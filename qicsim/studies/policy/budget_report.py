"""The budget question answered: what the best mix buys, how sure that is, what it costs each year, why it wins.

From a budget search (:func:`qicsim.studies.policy.mix.search`), written as ``budget.md``, ``budget.html`` and
``budget.xlsx`` with the comparison report's conventions (:mod:`qicsim.studies.policy.report`: plain words,
every mean with its 95% CI of the mean, spreads of runs named as such, user-derived text escaped), and
the tables behind them as CSV files:

* **The best mix and the runners-up** (``budget.csv``): the frontier of the affordable mixes
  (:func:`qicsim.studies.policy.budget.best_mix`: dominated and extendedly dominated mixes are never
  runners-up), each with its planned and simulated cost, the chance of overspending (share of runs whose
  simulated cost exceeds the budget, with a Wilson 95% CI), sustained improvements, the ICER against
  the next cheaper frontier mix and the chance of being best among *all* affordable mixes tried, by
  sustained improvements and by net monetary benefit at each willingness to pay per QALY (reference
  case: NHS and personal social services), plus QALYs gained and net monetary benefit against the
  baseline mix (every item at its lowest level: the zero-spend baseline on the default levels), paired by run.
* **Every affordable mix** (``budget_mixes.csv``) with its status, and every run of every mix
  (``budget_replications.csv``).
* **Budget impact by year** (``budget_by_year.csv``): for each shown mix, each year of the horizon
  (support, then follow-up), the funder's cost and the reference case's (funder, programme, NHS staff
  time and the NHS costs of residents' events in the year they arise), and both against the baseline mix
  (net of cost offsets). Undiscounted, as budget impact analyses are (Sullivan et al. 2014, ISPOR); the
  run's costs are taken as spent evenly over the weeks of support, as
  :func:`~qicsim.studies.policy.costs.perspective_costs` does.
* **Why the best mix wins** (``budget_why.csv``): the best mix with each item taken back to its lowest
  level, run on the same runs: the sustained improvements (and QALYs) lost, with paired 95% CIs, and
  that loss as a share of the best mix's gain over the baseline mix.

With the comparison (``qicsim compare --optimise``, one folder), :func:`add_to_report` puts the answer, the best
mix and the runners-up and why it wins into the comparison's ``report.md`` and ``report.html`` (after its answer,
linking ``budget.html``) and the tables into its ``report.xlsx``; the budget pages link back.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qicsim.lazy import needs_extra
from qicsim.studies.policy.budget import mix_label
from qicsim.studies.policy.glossary import SECTIONS as REPORT_SECTIONS
from qicsim.studies.policy.glossary import calibration_limit, search_glossary
from qicsim.studies.policy.mix import Search, describe
from qicsim.studies.policy.prices import WEEKS_PER_YEAR
from qicsim.studies.policy.report import (
    LEVEL_TEXT,
    SPREAD_TEXT,
    STYLE,
    bold,
    gbp,
    html_table,
    interval_text,
    markdown_text,
    md_table,
    number,
    share_text,
    write_sheets,
)

if TYPE_CHECKING:
    from qicsim.studies.policy.appraisal import Case

BOOTSTRAP = 2000
LEVEL = 0.95
TITLE = "What to fund within the budget"
SECTIONS = {"answer": "The answer", "mixes": "The best mix and the runners-up", "why": "Why the best mix wins",
            "structures": REPORT_SECTIONS["structures"], "by-year": "Budget impact year by year",
            "how-run": "How this was made", "limits": "What this cannot tell you", "glossary": "Glossary"}
LIMITS = [
    "The search tries each item at a few intensities only (the levels in 'How this was made'); a mix between "
    "them is not tried.",
    "The budget binds on the planned cost; backfill and facilitation are planned as proportional to intensity "
    "(an assumption), and the simulated cost can exceed the plan (the chance of overspending).",
    "It compares mixes; it does not forecast what a real collaborative will achieve.",
    "The chance of being best is over the simulated runs (chance and, with an ensemble, the model's settings); "
    "uncertainty in unit costs and in what events cost and mean for residents is not in it.",
]
FILES = ("The numbers behind this page: budget.xlsx, budget.csv (the mixes shown), budget_mixes.csv (every "
         "affordable mix tried), budget_replications.csv (every run), budget_by_year.csv, budget_why.csv and, over a "
         "model-averaged ensemble, budget_by_structure.csv; how it was run: provenance.json.")
STRUCTURES_NOTE = ("Each run drew one of the rival model structures with its calibrated probability (a model-averaged "
                   "ensemble), and every mix ran on the same runs, so the runs can be split by structure and the best "
                   "mix found again from each structure's runs alone. Few runs per structure make its pick a hint, "
                   "not a finding.")


def limits(case: Case) -> list[str]:
    """What the search cannot tell you, with what the model's settings rest on for the case's ensemble."""
    return [*LIMITS[:3], calibration_limit(case.ensemble), *LIMITS[3:]]


def label(found: Search, key: tuple[float, ...]) -> str:
    """A mix's short code (``budget_mixes.csv``'s ``mix``)."""
    return mix_label(list(found.levels), key)


def key_of(found: Search, row: pd.Series) -> tuple[float, ...]:
    """The intensities of a row of the search's tables, in item order."""
    return tuple(float(row[name]) for name in found.levels)


def reference_key(found: Search) -> tuple[float, ...]:
    """The mix others are compared with: every item at its lowest level (the zero-spend baseline on the default levels).

    The search always runs it when it fits the budget; otherwise the cheapest affordable mix tried.
    """
    lowest = tuple(float(min(values)) for values in found.levels.values())
    if lowest in found.runs:
        return lowest
    mixes = found.result.mixes
    row = mixes.sort_values(["planned_cost", "mean_effect"], ascending=[True, False], kind="mergesort").iloc[0]
    return key_of(found, row)


def has_outcomes(found: Search) -> bool:
    """Whether the search's runs counted residents' events (QALYs, NHS costs)."""
    first = next(iter(found.runs.values()))
    return "qalys_lost" in first.columns and "cost_nhs_pss_gbp" in first.columns


def paired_interval(values: np.ndarray, rng: np.random.Generator) -> tuple[float, float, float]:
    """Mean of per-run values (often paired differences) and its 95% percentile-bootstrap interval of the mean."""
    x = np.asarray(values, dtype=float)
    means = x[rng.integers(0, len(x), size=(BOOTSTRAP, len(x)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return float(x.mean()), float(lo), float(hi)


def nmb(table: pd.DataFrame, wtp: float) -> np.ndarray:
    """Net monetary benefit of each run at ``wtp`` per QALY, reference case (up to a constant shared by all mixes)."""
    return (-wtp * table["qalys_lost"] - table["cost_nhs_pss_gbp"]).to_numpy(dtype=float)


def chance_best(found: Search, score: Callable[[pd.DataFrame], np.ndarray]) -> dict[tuple[float, ...], float]:
    """Share of runs in which each affordable mix scores highest of all affordable mixes (ties shared)."""
    keys = [key_of(found, row) for _, row in found.result.mixes.iterrows()]
    share = top_shares(np.column_stack([score(found.runs[k]) for k in keys]))
    return {k: float(s) for k, s in zip(keys, share, strict=True)}


def top_shares(values: np.ndarray) -> np.ndarray:
    """For runs (rows) x mixes (columns), the share of runs in which each mix scores highest (ties shared)."""
    top = values >= values.max(axis=1, keepdims=True) - 1e-9 * np.maximum(1.0, np.abs(values).max())
    return (top / top.sum(axis=1, keepdims=True)).mean(axis=0)


def mixes_table(found: Search, wtp: tuple[float, ...]) -> pd.DataFrame:
    """Every affordable mix (``budget_mixes.csv``): the search's columns, the chance of being best by net benefit."""
    table = found.result.mixes.copy()
    table.insert(table.columns.get_loc("mix") + 1, "mix_in_words", [describe(dict(zip(found.levels, key_of(found, r),
                                                                                          strict=True)))
                                                                     for _, r in table.iterrows()])
    table = table.rename(columns={"p_best": "p_best_sustained"})
    if has_outcomes(found):
        for value in wtp:
            best = chance_best(found, lambda t, v=value: nmb(t, v))
            table[f"p_best_nmb_{value:.0f}"] = [best[key_of(found, r)] for _, r in table.iterrows()]
            table[f"mean_nmb_{value:.0f}"] = [float(nmb(found.runs[key_of(found, r)], value).mean())
                                              for _, r in table.iterrows()]
    return table


def shown_table(found: Search, mixes: pd.DataFrame, budget: float, wtp: tuple[float, ...],
                seed: int) -> pd.DataFrame:
    """The best mix and the runners-up (``budget.csv``), each measure with its 95% CI of the mean."""
    rng = np.random.default_rng([seed, 31])
    ref = found.runs[reference_key(found)]
    by_mix = mixes.set_index("mix")
    rows = []
    for _, row in found.table.iterrows():
        key = key_of(found, row)
        runs = found.runs[key]
        info = by_mix.loc[label(found, key)]
        out: dict[str, Any] = {"rank": int(row["rank"]), "mix": label(found, key),
                               "mix_in_words": info["mix_in_words"],
                               **{name: key[i] for i, name in enumerate(found.levels)},
                               "planned_cost": float(row["planned_cost"])}
        for column, name in (("funder_gbp", "cost"), ("sustained", "sustained")):
            mean, lo, hi = paired_interval(runs[column].to_numpy(), rng)
            out.update({f"{name}_mean": mean, f"{name}_lo": lo, f"{name}_hi": hi,
                        f"{name}_spread_lo": float(runs[column].quantile(0.025)),
                        f"{name}_spread_hi": float(runs[column].quantile(0.975))})
        out.update({"p_over_budget": float((runs["funder_gbp"] > budget).mean()), "replications": len(runs),
                    "status": info["status"], "compared_with": info["compared_with"], "icer": info["icer"],
                    "p_best_sustained": info["p_best_sustained"]})
        if has_outcomes(found):
            gained = (ref["qalys_lost"] - runs["qalys_lost"]).to_numpy()
            out.update(dict(zip(("qalys_gained", "qalys_gained_lo", "qalys_gained_hi"),
                                paired_interval(gained, rng), strict=True)))
            for value in wtp:
                diff = nmb(runs, value) - nmb(ref, value)
                out.update(dict(zip((f"nmb_{value:.0f}", f"nmb_{value:.0f}_lo", f"nmb_{value:.0f}_hi"),
                                    paired_interval(diff, rng), strict=True)))
                out[f"p_best_nmb_{value:.0f}"] = info[f"p_best_nmb_{value:.0f}"]
        rows.append(out)
    return pd.DataFrame(rows)


def year_shares(weeks: int, years: int) -> np.ndarray:
    """The share of the weeks of support that falls in each year of the horizon."""
    return support_weeks(weeks, years) / weeks if weeks else np.zeros(years)


def support_weeks(weeks: int, years: int) -> np.ndarray:
    """How many of the weeks of support fall in each year of the horizon."""
    support = np.arange(weeks) // WEEKS_PER_YEAR
    return np.array([float((support == y).sum()) for y in range(years)])


def by_year(found: Search, seed: int) -> pd.DataFrame:
    """Budget impact: each shown mix's costs in each year of the horizon, undiscounted, and against the baseline mix.

    Returns:
        One row per shown mix and year: ``mix``, ``year``, and with ``_lo``/``_hi`` (95% CI of the mean):
        ``funder_gbp``, ``extra_funder_gbp``; with residents' outcomes also ``nhs_pss_gbp`` (funder,
        programme, NHS staff time and the NHS costs of events arising that year), ``offsets_gbp`` (the
        baseline mix's event costs less this mix's) and ``extra_nhs_pss_gbp`` (net of the offsets).
    """
    rng = np.random.default_rng([seed, 32])
    ref = found.runs[reference_key(found)]
    outcomes = has_outcomes(found)
    years = sum(c.startswith("events_gbp_year_") for c in ref.columns) if outcomes else 0
    years = max(years, int(np.ceil(found.weeks / WEEKS_PER_YEAR)))
    shares = year_shares(found.weeks, years)

    def costs(runs: pd.DataFrame, year: int) -> dict[str, np.ndarray]:
        out = {"funder_gbp": runs["funder_gbp"].to_numpy() * shares[year]}
        if outcomes:
            spent = (runs["funder_gbp"] + runs["programme_gbp"] + runs["nhs_time_gbp"]).to_numpy() * shares[year]
            column = f"events_gbp_year_{year + 1}"
            out["events_gbp"] = runs[column].to_numpy() if column in runs else np.zeros(len(runs))
            out["nhs_pss_gbp"] = spent + out["events_gbp"]
        return out

    rows = []
    for _, row in found.table.iterrows():
        runs = found.runs[key_of(found, row)]
        for year in range(years):
            mine, base = costs(runs, year), costs(ref, year)
            values = {"funder_gbp": mine["funder_gbp"], "extra_funder_gbp": mine["funder_gbp"] - base["funder_gbp"]}
            if outcomes:
                values.update({"nhs_pss_gbp": mine["nhs_pss_gbp"],
                               "offsets_gbp": base["events_gbp"] - mine["events_gbp"],
                               "extra_nhs_pss_gbp": mine["nhs_pss_gbp"] - base["nhs_pss_gbp"]})
            out: dict[str, Any] = {"rank": int(row["rank"]), "mix": label(found, key_of(found, row)),
                                   "year": year + 1, "support_weeks": int(support_weeks(found.weeks, years)[year]),
                                   "support_share": float(shares[year])}
            for name, x in values.items():
                out.update(dict(zip((name, f"{name}_lo", f"{name}_hi"), paired_interval(x, rng), strict=True)))
            rows.append(out)
    return pd.DataFrame(rows)


def why(found: Search, seed: int) -> pd.DataFrame:
    """Which funded items carry the best mix's effect: the best mix with each item taken back to its lowest level.

    Returns:
        One row per item the best mix buys above its lowest level: ``item``, ``level``, ``planned_cost_saved``,
        ``sustained_without`` and, with ``_lo``/``_hi`` (paired 95% CI of the mean), ``sustained_lost`` and (with
        residents' outcomes) ``qalys_lost_without_item``; ``share_of_gain`` (sustained improvements lost over the
        best mix's gain on the baseline mix; NaN when it gains nothing).
    """
    rng = np.random.default_rng([seed, 33])
    names = list(found.levels)
    best = tuple(found.result.best[n] for n in names)
    runs = found.runs[best]
    gain = float(runs["sustained"].mean() - found.runs[reference_key(found)]["sustained"].mean())
    unit = found.unit_cost
    rows = []
    for i, name in enumerate(names):
        lowest = float(min(found.levels[name]))
        if best[i] == lowest:
            continue
        without = found.runs[(*best[:i], lowest, *best[i + 1:])]
        row: dict[str, Any] = {"item": name, "level": best[i], "planned_cost_saved": unit[name] * (best[i] - lowest),
                               "sustained_without": float(without["sustained"].mean())}
        lost = (runs["sustained"] - without["sustained"]).to_numpy(dtype=float)
        row.update(dict(zip(("sustained_lost", "sustained_lost_lo", "sustained_lost_hi"),
                            paired_interval(lost, rng), strict=True)))
        row["share_of_gain"] = row["sustained_lost"] / gain if gain > 0 else float("nan")
        if has_outcomes(found):
            qalys = (without["qalys_lost"] - runs["qalys_lost"]).to_numpy(dtype=float)
            row.update(dict(zip(("qalys_lost_without_item", "qalys_lost_without_item_lo",
                                 "qalys_lost_without_item_hi"), paired_interval(qalys, rng), strict=True)))
        rows.append(row)
    return pd.DataFrame(rows)


def by_structure(found: Search) -> pd.DataFrame:
    """The best affordable mix under each rival structure, from the runs that drew it (``budget_by_structure.csv``).

    Every mix runs on the same runs, so a run's structure (its ensemble draw) is the same in every mix's
    table. Within one structure's runs the best mix is the affordable mix of highest mean sustained
    improvements (the cheaper planned cost breaks a tie), as over all runs: the frontier mix of highest
    mean effect.

    Returns:
        Empty unless the runs drew from a model-averaged ensemble (a ``structure`` column); else one row per
        structure: ``structure``, ``runs``, ``share_of_runs``, its best ``mix`` and ``mix_in_words``,
        ``sustained_mean`` (that mix's, in these runs), ``p_best_sustained`` (share of these runs in which it
        has the most sustained improvements of all affordable mixes, ties shared) and ``same_as_overall``.
    """
    first = next(iter(found.runs.values()))
    if "structure" not in first.columns:
        return pd.DataFrame()
    mixes = found.result.mixes
    keys = [key_of(found, row) for _, row in mixes.iterrows()]
    planned = mixes["planned_cost"].to_numpy(dtype=float)
    values = np.column_stack([found.runs[k]["sustained"].to_numpy(dtype=float) for k in keys])
    overall = label(found, key_of(found, found.table.iloc[0]))
    structures = first["structure"].astype(str).to_numpy()
    rows = []
    for structure in sorted(set(structures)):
        mask = structures == structure
        means = values[mask].mean(axis=0)
        best = min(range(len(keys)), key=lambda i: (-means[i], planned[i]))
        chance = top_shares(values[mask])
        key = keys[best]
        rows.append({"structure": structure, "runs": int(mask.sum()), "share_of_runs": float(mask.mean()),
                     "mix": label(found, key), "mix_in_words": describe(dict(zip(found.levels, key, strict=True))),
                     "sustained_mean": float(means[best]), "p_best_sustained": float(chance[best]),
                     "same_as_overall": label(found, key) == overall})
    return pd.DataFrame(rows)


def replications_table(found: Search) -> pd.DataFrame:
    """Every run of every mix (``budget_replications.csv``): the mix, its intensities (``level_<item>``), the run."""
    frames = []
    for key, runs in found.runs.items():
        frame = runs.drop(columns=["option"], errors="ignore").copy()
        frame.insert(0, "mix", label(found, key))
        for i, name in enumerate(found.levels):
            frame.insert(1 + i, f"level_{name}", key[i])  # item names can be cost columns too
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def analyse(found: Search, budget: float, wtp: tuple[float, ...], seed: int) -> dict[str, pd.DataFrame]:
    """Every table of the budget report, by file stem."""
    mixes = mixes_table(found, wtp)
    return {"budget": shown_table(found, mixes, budget, wtp, seed), "budget_mixes": mixes,
            "budget_replications": replications_table(found), "budget_by_year": by_year(found, seed),
            "budget_why": why(found, seed), "budget_by_structure": by_structure(found)}


# ---- the words ---------------------------------------------------------------------------------------------------

ITEM_WORDS = {"protected_time": "protected time for care home staff", "facilitation": "facilitators in the homes",
              "coaching": "a coach for each site", "data_support": "data support",
              "extra_events": "extra paid learning events", "meetings_in_homes": "meetings held in care homes"}


def ci(mean: float, lo: float, hi: float, money: bool) -> str:
    """A mean with its 95% CI of the mean, in the report's style."""
    return interval_text(mean, lo, hi, money, label=f"{LEVEL_TEXT} ")


def spread(lo: float, hi: float, money: bool) -> str:
    """A spread of runs, written plainly."""
    write = gbp if money else number
    return f"{write(lo)} to {write(hi)}" if hi > lo else "the same in every run"


def headline(tables: dict[str, pd.DataFrame], budget: float, wtp: tuple[float, ...], n_mixes: int,
             name: Callable[[str], str]) -> list[str]:
    """The answer in a few sentences (``name`` writes a mix's words for the format)."""
    best = tables["budget"].iloc[0]
    n = int(best["replications"])
    lines = [
        f"Within the budget of {gbp(budget)}, the mix with most sustained improvements is "
        f"**{name(best['mix_in_words'])}**: "
        f"{ci(best['sustained_mean'], best['sustained_lo'], best['sustained_hi'], False)} sustained improvements, at a "
        f"planned cost to the funder of {gbp(best['planned_cost'], 1)} (simulated "
        f"{ci(best['cost_mean'], best['cost_lo'], best['cost_hi'], True)}).",
        f"Of the {n_mixes} affordable mixes tried, it has the most sustained improvements in "
        f"{share_text(best['p_best_sustained'], n)}, and its simulated cost overspends the budget in "
        f"{share_text(best['p_over_budget'], n)}.",
    ]
    mixes = tables["budget_mixes"]
    for value in wtp[:1]:
        column = f"mean_nmb_{value:.0f}"
        if column not in mixes:
            continue
        top = mixes.loc[mixes[column].idxmax()]
        same = top["mix"] == best["mix"]
        lines.append(
            f"Judged instead by net monetary benefit at {gbp(value)} per QALY (NHS and personal social services, "
            f"the reference case), the best affordable mix is "
            + ("the same" if same else f"**{name(top['mix_in_words'])}**")
            + f"; it has the highest net benefit in {share_text(top[f'p_best_nmb_{value:.0f}'], n)}.")
    if has_structures(tables) and not tables["budget_by_structure"]["same_as_overall"].astype(bool).all():
        lines.append(structures_sentence(tables, name))
    return lines


def mixes_words(tables: dict[str, pd.DataFrame], wtp: tuple[float, ...]) -> pd.DataFrame:
    """The best mix and the runners-up in plain words."""
    shown = tables["budget"]
    out = pd.DataFrame({"Rank": shown["rank"].astype(int), "Mix": shown["mix_in_words"],
                        "Planned cost": [gbp(x, 1) for x in shown["planned_cost"]]})
    out["Simulated cost to the funder"] = [ci(m, lo, hi, True) for m, lo, hi in
                                           zip(shown["cost_mean"], shown["cost_lo"], shown["cost_hi"], strict=True)]
    out["Chance of overspending"] = [share_text(p, int(n)) for p, n in
                                     zip(shown["p_over_budget"], shown["replications"], strict=True)]
    out["Sustained improvements"] = [ci(m, lo, hi, False) + (f"; {SPREAD_TEXT} {spread(a, b, False)}" if b > a else "")
                                     for m, lo, hi, a, b in
                                     zip(shown["sustained_mean"], shown["sustained_lo"], shown["sustained_hi"],
                                         shown["sustained_spread_lo"], shown["sustained_spread_hi"], strict=True)]
    out["ICER against the next cheaper good buy (GBP per sustained improvement)"] = [
        "-" if pd.isna(x) else gbp(x, 1) for x in shown["icer"]]
    out["Chance of being best (sustained improvements)"] = [share_text(p, int(n)) for p, n in
                                                            zip(shown["p_best_sustained"], shown["replications"],
                                                                strict=True)]
    if "qalys_gained" in shown:
        out["QALYs gained over the baseline mix"] = [ci(m, lo, hi, False) for m, lo, hi in
                                                         zip(shown["qalys_gained"], shown["qalys_gained_lo"],
                                                             shown["qalys_gained_hi"], strict=True)]
        for value in wtp:
            k = f"nmb_{value:.0f}"
            out[f"Net monetary benefit at {gbp(value)} per QALY"] = [
                ci(m, lo, hi, True) for m, lo, hi in zip(shown[k], shown[f"{k}_lo"], shown[f"{k}_hi"], strict=True)]
            out[f"Chance of being best (net benefit at {gbp(value)} per QALY)"] = [
                share_text(p, int(n)) for p, n in zip(shown[f"p_best_{k}"], shown["replications"], strict=True)]
    return out


def why_words(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Which items carry the best mix's effect, in plain words."""
    table = tables["budget_why"]
    if table.empty:
        return pd.DataFrame({"Item": [], "Sustained improvements lost without it": []})
    out = pd.DataFrame({"Item taken away": [f"{ITEM_WORDS.get(i, i)} (at {v:g})" for i, v in
                                            zip(table["item"], table["level"], strict=True)],
                        "Planned cost saved": [gbp(x, 1) for x in table["planned_cost_saved"]],
                        "Sustained improvements without it": [number(x) for x in table["sustained_without"]],
                        "Sustained improvements lost": [ci(m, lo, hi, False) for m, lo, hi in
                                                        zip(table["sustained_lost"], table["sustained_lost_lo"],
                                                            table["sustained_lost_hi"], strict=True)],
                        "Share of the mix's gain": ["-" if pd.isna(x) else f"{x:.0%}" for x in table["share_of_gain"]]})
    if "qalys_lost_without_item" in table:
        out["QALYs lost without it"] = [ci(m, lo, hi, False) for m, lo, hi in
                                        zip(table["qalys_lost_without_item"], table["qalys_lost_without_item_lo"],
                                            table["qalys_lost_without_item_hi"], strict=True)]
    return out


def why_sentence(tables: dict[str, pd.DataFrame]) -> str:
    """The item that carries most of the best mix's effect, and whether the items add up."""
    table = tables["budget_why"]
    if table.empty:
        return "The best mix buys nothing above the lowest levels: there is no item to take away."
    top = table.sort_values("sustained_lost", ascending=False).iloc[0]
    shares = table["share_of_gain"].dropna()
    together = (f" Taken away one at a time the items lose {shares.sum():.0%} of the gain between them: "
                + ("more than the whole, so they work better together than apart (each needs the others)."
                   if shares.sum() > 1.05 else
                   "less than the whole, so they partly do the same work (without one, the others make up for it)."
                   if shares.sum() < 0.95 else "about the whole, so their effects roughly add up.")
                ) if len(shares) > 1 else ""
    share = "" if pd.isna(top["share_of_gain"]) else f" ({top['share_of_gain']:.0%} of its gain over the baseline mix)"
    return (f"Most of the best mix's effect is carried by {ITEM_WORDS.get(top['item'], top['item'])}: without it "
            f"the mix loses {ci(top['sustained_lost'], top['sustained_lost_lo'], top['sustained_lost_hi'], False)} "
            f"sustained improvements{share}.{together}")


def has_structures(tables: dict[str, pd.DataFrame]) -> bool:
    """Whether the search's runs drew rival structures (a non-empty ``budget_by_structure`` table)."""
    table = tables.get("budget_by_structure")
    return table is not None and not table.empty


def structures_sentence(tables: dict[str, pd.DataFrame], name: Callable[[str], str] = str) -> str:
    """Whether the rival structures agree on the best mix (``name`` writes a mix's words for the format)."""
    table = tables["budget_by_structure"]
    overall = name(tables["budget"].iloc[0]["mix_in_words"])
    if table["same_as_overall"].astype(bool).all():
        return f"The rival structures agree: the best mix is {overall} under each of them."
    picks = "; ".join(f"under {name(str(r['structure']))}, {name(r['mix_in_words'])}" for _, r in table.iterrows())
    return (f"The rival structures disagree on the best mix ({picks}); over all runs, weighted by the structures' "
            f"probabilities, it is {overall}.")


def structures_words(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The best mix under each rival structure, in plain words."""
    table = tables["budget_by_structure"]
    return pd.DataFrame({"Structure": table["structure"].astype(str),
                         "Share of runs": [f"{x:.0%}" for x in table["share_of_runs"]],
                         "Runs": table["runs"].astype(int), "Best mix in its runs": table["mix_in_words"],
                         "Its sustained improvements (mean)": [number(x) for x in table["sustained_mean"]],
                         "Chance of being best in its runs": [share_text(p, int(n)) for p, n in
                                                              zip(table["p_best_sustained"], table["runs"],
                                                                  strict=True)]})


def year_words(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The best mix's budget impact by year, in plain words."""
    table = tables["budget_by_year"]
    table = table[table["rank"] == 1]
    out = pd.DataFrame({"Year": [f"{int(y)}" + (" (support)" if w >= WEEKS_PER_YEAR else " (follow-up)" if w == 0
                                                 else f" ({int(w)} weeks of support, then follow-up)")
                                 for y, w in zip(table["year"], table["support_weeks"], strict=True)]})
    for column, title in (("funder_gbp", "Funder pays"), ("extra_funder_gbp", "Funder, extra over the baseline mix"),
                          ("offsets_gbp", "Cost offsets (NHS events avoided)"),
                          ("extra_nhs_pss_gbp", "NHS and social care, extra net of offsets (reference case)")):
        if column in table:
            out[title] = [ci(m, lo, hi, True) for m, lo, hi in
                          zip(table[column], table[f"{column}_lo"], table[f"{column}_hi"], strict=True)]
    return out


def about(found: Search, case: Case, wtp: tuple[float, ...]) -> list[str]:
    """How the search was made."""
    from qicsim.run.output import environment

    res = found.result
    env = environment()
    levels = "; ".join(f"{ITEM_WORDS.get(k, k)} {', '.join(f'{v:g}' for v in vs)}" for k, vs in found.levels.items())
    lines = [
        f"Made with qicsim {env['qicsim_version']}" + (f" (commit {str(env['git_commit'])[:12]})"
                                                        if env.get("git_commit") else "") + ".",
        f"{case.homes or 29} care homes in four sites; {found.weeks} weeks of support, then a year of follow-up; "
        f"{case.replications} simulated runs per mix, every mix on the same runs (master seed {case.seed}); "
        f"ensemble {case.ensemble or 'none (point values)'}; model structure {case.structure or 'the default'}.",
        f"Intensities tried: {levels}.",
        f"{'Every affordable mix of the grid' if res.method == 'grid' else 'Differential evolution'}: "
        f"{len(res.mixes)} affordable mixes"
        + (f" of {res.details['grid_size']}" if res.details.get("grid_size") else "")
        + f" tried ({res.n_evaluated} run, with those over the planned budget never run); "
        f"{len(found.runs)} mixes run in all, with the best mix less each of its items.",
        "Planned cost per unit of intensity (a pilot run of every item at its highest level): "
        + ", ".join(f"{ITEM_WORDS.get(k, k)} {gbp(v, 1)}" for k, v in found.unit_cost.items()) + ".",
        "The runners-up are the frontier of the affordable mixes (on mean simulated cost to the funder and mean "
        "sustained improvements): a mix that another matches for less, or that a blend of two others beats, is "
        "never shown (all are in budget_mixes.csv with their status).",
    ]
    if wtp:
        lines.append(f"Net monetary benefit: QALYs gained valued at {', '.join(gbp(v) for v in wtp)} per QALY, "
                     "minus the extra reference-case cost (discounted, cost offsets included), against the baseline "
                     "mix (every item at its lowest level).")
    return lines


COMPANION = ("This search was made with a comparison of whole funding options, in the same folder: {report} "
             "(also report.md and report.xlsx), which summarises this page.")


def write_markdown(folder: Path, tables: dict[str, pd.DataFrame], found: Search, case: Case,
                   wtp: tuple[float, ...], companion: bool = False) -> None:
    """``budget.md`` (``companion``: with a link to the comparison's report beside it)."""
    m = markdown_text
    lines = [f"# {TITLE}", "", *[x for s in headline(tables, case.budget, wtp, len(found.result.mixes), m)
                                 for x in (s, "")]]
    if companion:
        lines += [COMPANION.format(report="[report.html](report.html)"), ""]
    lines += [f"## {SECTIONS['mixes']}", "", m(reading(tables)), "", md_table(mixes_words(tables, wtp)), ""]
    lines += [f"## {SECTIONS['why']}", "", why_sentence(tables), "", md_table(why_words(tables)), ""]
    if has_structures(tables):
        lines += [f"## {SECTIONS['structures']}", "", structures_sentence(tables, m), "", STRUCTURES_NOTE, "",
                  md_table(structures_words(tables)), ""]
    lines += [f"## {SECTIONS['by-year']}", "", m(YEAR_NOTE), "", md_table(year_words(tables)), ""]
    lines += [f"## {SECTIONS['how-run']}", "", *[f"- {m(x)}" for x in about(found, case, wtp)], ""]
    lines += [f"## {SECTIONS['limits']}", "", *[f"- {x}" for x in limits(case)], ""]
    terms = search_glossary()
    lines += [f"## {SECTIONS['glossary']}", "",
              md_table(pd.DataFrame({"Term": list(terms), "Meaning": list(terms.values())})), "", FILES, ""]
    (folder / "budget.md").write_text("\n".join(lines))


YEAR_NOTE = ("Costs in the year they fall, not discounted (a budget impact). The funder's and the programme's costs "
             "are taken as spread evenly over the weeks of support; the NHS costs of residents' events fall in the "
             "week each event arises. 'Extra' is against the baseline mix (every item at its lowest level: the "
             "zero-spend baseline on the default levels), run on the same runs. Other mixes shown are in "
             "budget_by_year.csv.")


def reading(tables: dict[str, pd.DataFrame]) -> str:
    """What the table's numbers and intervals are."""
    n = int(tables["budget"]["replications"].iloc[0])
    return (f"Means over {n} simulated runs per mix. In brackets: the {LEVEL_TEXT} (the uncertainty of the average; "
            f"it narrows with more runs); '{SPREAD_TEXT}' is the central 95% of single runs (how differently one "
            "real programme might turn out). Chances are shares of runs with a 95% CI. Only good buys are shown: "
            "dominated and extendedly dominated mixes are never runners-up.")


def write_html(folder: Path, tables: dict[str, pd.DataFrame], found: Search, case: Case,
               wtp: tuple[float, ...], companion: bool = False) -> None:
    """``budget.html``: one responsive page like ``report.html`` (``companion``: with a link to it)."""
    def section(key: str, *content: str) -> str:
        return f'<section id="{key}"><h2>{html.escape(SECTIONS[key])}</h2>{"".join(content)}</section>'

    terms = "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(x)}</dd>" for t, x in search_glossary().items())
    body = [
        f'<header id="title"><h1>{html.escape(TITLE)}</h1></header>',
        '<section id="answer">' + "".join(f"<p>{bold(s)}</p>" for s in
                                          headline(tables, case.budget, wtp, len(found.result.mixes), str))
        + (f'<p class="note">{html.escape(COMPANION).replace("{report}", REPORT_LINK)}</p>' if companion else "")
        + "</section>",
        section("mixes", f'<p class="note">{html.escape(reading(tables))}</p>',
                html_table(mixes_words(tables, wtp), "mixes")),
        section("why", f"<p>{bold(why_sentence(tables))}</p>", html_table(why_words(tables), "why")),
        section("structures", f"<p>{bold(structures_sentence(tables))}</p>",
                f'<p class="note">{html.escape(STRUCTURES_NOTE)}</p>',
                html_table(structures_words(tables), "structures")) if has_structures(tables) else "",
        section("by-year", f'<p class="note">{html.escape(YEAR_NOTE)}</p>', html_table(year_words(tables), "years")),
        section("how-run", "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in about(found, case, wtp)) + "</ul>"),
        section("limits", "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in limits(case)) + "</ul>"),
        section("glossary", f'<dl class="glossary">{terms}</dl>'),
        f'<p class="note">{html.escape(FILES)}</p>',
    ]
    (folder / "budget.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(TITLE)}</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n")


def write_xlsx(folder: Path, tables: dict[str, pd.DataFrame], inputs: pd.DataFrame | None = None) -> None:
    """``budget.xlsx``: the tables (not the per-run one, in its CSV), the glossary and inputs; every string text."""
    with needs_extra("studies"):
        import openpyxl  # noqa: F401 - pandas' engine below; imported here to name the extra if it is missing
    terms = search_glossary()
    sheets = {"mixes_shown": tables["budget"], "all_mixes": tables["budget_mixes"], "why": tables["budget_why"],
              "by_year": tables["budget_by_year"],
              **({"by_structure": tables["budget_by_structure"]} if has_structures(tables) else {}),
              "glossary": pd.DataFrame({"term": list(terms), "meaning": list(terms.values())})}
    if inputs is not None:
        sheets["inputs"] = inputs
    with pd.ExcelWriter(folder / "budget.xlsx", engine="openpyxl") as writer:
        write_sheets(writer, sheets)


def write_budget_report(folder: Path, found: Search, case: Case, wtp: tuple[float, ...] = (),
                        inputs: pd.DataFrame | None = None, companion: bool = False) -> dict[str, pd.DataFrame]:
    """Write the budget search's tables (CSV) and report (``budget.md``, ``budget.html``, ``budget.xlsx``).

    Args:
        folder: The folder (created by the caller).
        found: The search (:func:`qicsim.studies.policy.mix.search`).
        case: Its case (budget, replications, seed).
        wtp: Willingness to pay per QALY for net monetary benefit (used only if the runs counted outcomes).
        inputs: The unit costs and outcome inputs with their sources (the spreadsheet's inputs sheet).
        companion: Whether the comparison's report is written beside it (``qicsim compare --optimise``): the pages
            link to it.

    Returns:
        The tables written, by file stem.
    """
    wtp = tuple(wtp) if has_outcomes(found) else ()
    tables = analyse(found, float(case.budget), wtp, case.seed)
    for stem, table in tables.items():
        if stem != "budget_by_structure" or has_structures(tables):
            table.to_csv(folder / f"{stem}.csv", index=False)
    write_markdown(folder, tables, found, case, wtp, companion)
    write_html(folder, tables, found, case, wtp, companion)
    write_xlsx(folder, tables, inputs)
    return tables


REPORT_LINK = '<a href="report.html">report.html</a>'

# ---- the search in the comparison's report ----------------------------------------------------------------------

SECTION_ID = "budget"
SECTION_HEADING = "What to fund within the budget: the search over mixes of items"
SECTION_NOTE = ("The options above are whole packages. The budget search tries mixes of the funding items, each at "
                "a few intensities, and keeps those whose planned cost fits the budget; every mix runs on the same "
                "runs. The best mix and the runners-up (dominated mixes are never shown), then which items carry "
                "the best mix's effect. Everything else (budget impact year by year, every mix tried, how it was "
                "made): {page}.")
SHEETS = {"budget_shown": "budget.csv", "budget_why": "budget_why.csv", "budget_by_year": "budget_by_year.csv"}
"""The search's sheets of the comparison's ``report.xlsx`` and the file each copies (as ``budget.xlsx`` has them)."""


def read_tables(folder: Path) -> dict[str, pd.DataFrame] | None:
    """The search's tables from a folder's CSV files (None if the folder has no search)."""
    stems = ("budget", "budget_mixes", "budget_why", "budget_by_year")
    if not all((folder / f"{stem}.csv").is_file() for stem in stems):
        return None
    tables = {}
    for stem in stems:
        try:
            tables[stem] = pd.read_csv(folder / f"{stem}.csv")
        except pd.errors.EmptyDataError:  # the best mix buys nothing above the lowest levels: no item to take away
            tables[stem] = pd.DataFrame()
    if (folder / "budget_by_structure.csv").is_file():  # only over a model-averaged ensemble
        tables["budget_by_structure"] = pd.read_csv(folder / "budget_by_structure.csv")
    return tables


def wtp_of(mixes: pd.DataFrame) -> tuple[float, ...]:
    """The willingness-to-pay values of ``budget_mixes.csv``'s net benefit columns."""
    found = [c.removeprefix("mean_nmb_") for c in mixes.columns if c.startswith("mean_nmb_")]
    return tuple(float(v) for v in found if v.isdigit())


def add_to_report(folder: Path, budget: float) -> bool:
    """Put the search's section into the comparison's report.md and report.html, its tables into report.xlsx.

    The section goes after the answer, before the options: the search answers the commissioner's question (what
    to buy within the budget) more finely than the whole options do. Called by
    :func:`qicsim.studies.policy.report.write_report` after it has written all three.

    Returns:
        Whether the folder had a search to add.
    """
    tables = read_tables(folder)
    if tables is None:
        return False
    wtp, n_mixes = wtp_of(tables["budget_mixes"]), len(tables["budget_mixes"])
    md_path, html_path = folder / "report.md", folder / "report.html"
    if md_path.is_file():
        m = markdown_text
        block = "\n".join([f"## {SECTION_HEADING}", "", *[x for s in headline(tables, budget, wtp, n_mixes, m)
                                                           for x in (s, "")],
                           m(reading(tables)), "", md_table(mixes_words(tables, wtp)), "", why_sentence(tables), "",
                           *([md_table(why_words(tables)), ""] if not tables["budget_why"].empty else []),
                           SECTION_NOTE.format(page="[budget.html](budget.html) (also budget.md, budget.xlsx)"),
                           "", ""])
        text = md_path.read_text()
        marker = f"## {REPORT_SECTIONS['options']}"
        md_path.write_text(text.replace(marker, block + marker, 1) if marker in text else text + "\n" + block)
    if html_path.is_file():
        note = html.escape(SECTION_NOTE).replace("{page}", '<a href="budget.html">budget.html</a> (also budget.md, '
                                                           "budget.xlsx)")
        block = (f'<section id="{SECTION_ID}"><h2>{html.escape(SECTION_HEADING)}</h2>'
                 + "".join(f"<p>{bold(s)}</p>" for s in headline(tables, budget, wtp, n_mixes, str))
                 + f'<p class="note">{html.escape(reading(tables))}</p>'
                 + html_table(mixes_words(tables, wtp), "mixes") + f"<p>{bold(why_sentence(tables))}</p>"
                 + (html_table(why_words(tables), "why") if not tables["budget_why"].empty else "")
                 + f'<p class="note">{note}</p></section>')
        text = html_path.read_text()
        marker = '<section id="options">'
        html_path.write_text(text.replace(marker, block + marker, 1) if marker in text
                             else text.replace("</main>", block + "</main>", 1))
    if (folder / "report.xlsx").is_file():
        with pd.ExcelWriter(folder / "report.xlsx", engine="openpyxl", mode="a", if_sheet_exists="replace") as writer:
            write_sheets(writer, {sheet: tables[file.removesuffix(".csv")] for sheet, file in SHEETS.items()})
    return True

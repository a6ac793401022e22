"""The analysis report (report.md): what was computed, the main tables, and the figures.

:func:`render_report` turns an :class:`Analysis` (everything the analyses computed for one
sweep, and the names of the files written beside the report) into Markdown fit for a
paper's supplement: each section says in a sentence or two what was computed, then gives the
table and links the figure by its path relative to the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pandas as pd

from qicsim.studies.analysis.cmo import AGREES, DISAGREES, NO_CLEAR_EFFECT, cmo_markdown
from qicsim.studies.analysis.design import Factor
from qicsim.studies.analysis.effects import FactorialEffects
from qicsim.studies.analysis.qca import MIN_POSITIVE_CASES, QCAResult, Solution, ThresholdQCA
from qicsim.studies.analysis.robust_conclusions import RobustConclusions
from qicsim.studies.analysis.scenarios import Scenarios
from qicsim.studies.analysis.sensitivity import SobolIndices

REPORT = "report.md"
TOP_INTERACTIONS = 10
TOP_THRESHOLD_RESULTS = 20
REFERENCES = (
    "Campolongo F, Cariboni J, Saltelli A (2007). An effective screening design for sensitivity analysis "
    "of large models. Environmental Modelling & Software 22(10):1509-1518.",
    "Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap. Chapman & Hall.",
    "Jansen MJW (1999). Analysis of variance designs for model output. Computer Physics Communications "
    "117(1-2):35-43.",
    "Morris MD (1991). Factorial sampling plans for preliminary computational experiments. Technometrics "
    "33(2):161-174.",
    "Bryant BP, Lempert RJ (2010). Thinking inside the box: a participatory, computer-assisted approach to "
    "scenario discovery. Technological Forecasting and Social Change 77(1):34-49.",
    "Friedman JH, Fisher NI (1999). Bump hunting in high-dimensional data. Statistics and Computing 9(2):123-143.",
    "Kwakkel JH (2017). The Exploratory Modeling Workbench: an open source toolkit for exploratory modeling, "
    "scenario discovery, and (multi-objective) robust decision making. Environmental Modelling & Software "
    "96:239-250.",
    "Ragin CC (2008). Redesigning Social Inquiry: Fuzzy Sets and Beyond. University of Chicago Press.",
    "Saltelli A (2002). Making best use of model evaluations to compute sensitivity indices. Computer "
    "Physics Communications 145(2):280-297.",
    "Saltelli A, Annoni P, Azzini I, Campolongo F, Ratto M, Tarantola S (2010). Variance based sensitivity "
    "analysis of model output. Design and estimator for the total sensitivity index. Computer Physics "
    "Communications 181(2):259-270.",
)


def file_stem(name: str) -> str:
    """A name made safe for a file name (outcome names are column names)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def figure_name(kind: str, outcome: str) -> str:
    """The PNG file of a figure of one outcome, e.g. ``main_effects_implemented.png``."""
    return f"{kind}_{file_stem(outcome)}.png"


@dataclass
class Analysis:
    """Everything the analyses computed for one sweep.

    Attributes:
        manifest: design.json as a dict.
        factors: The design's factors.
        points: Design points.
        replications: Replications per point.
        runs: Rows of the dataset.
        outcomes: Outcomes analysed.
        headline: The headline outcome.
        n_boot: Bootstrap samples (and SALib resamples).
        seed: Bootstrap seed.
        conf_level: Interval coverage.
        effects: Main effects and interactions (factorial designs).
        qca: Crisp-set QCA (factorial designs over contexts).
        cmo: Simulated CMO table (factorial designs over contexts).
        removal: Removal effects (one-at-a-time designs).
        morris: Morris indices (Morris designs).
        sobol: Sobol indices (Sobol designs).
        qca_thresholds: QCA across outcome thresholds (factorial designs).
        scenarios: PRIM boxes (any design with the QCA outcome column).
        robust: Conclusions over an ensemble's parameter sets (a sweep crossed with an ensemble).
        tables: Table files written, by kind (e.g. ``main_effects`` -> ``main_effects.csv``).
        figures: Figure files written, by (kind, outcome).
        notes: Analyses left out, and why.
    """

    manifest: dict[str, Any]
    factors: tuple[Factor, ...]
    points: int
    replications: int
    runs: int
    outcomes: list[str]
    headline: str
    n_boot: int
    seed: int
    conf_level: float
    effects: FactorialEffects | None = None
    qca: QCAResult | None = None
    cmo: pd.DataFrame | None = None
    removal: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    sobol: SobolIndices | None = None
    qca_thresholds: ThresholdQCA | None = None
    scenarios: Scenarios | None = None
    robust: RobustConclusions | None = None
    tables: dict[str, str] = field(default_factory=dict)
    figures: dict[tuple[str, str], str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def design(self) -> str:
        """The design kind."""
        return str(self.manifest["design"])


def _md(table: pd.DataFrame) -> str:
    return table.to_markdown(index=False, floatfmt=".3g") if len(table) else "(no rows)"


def _num(value: float) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:.3g}"


def _ci(estimate: float, low: float, high: float) -> str:
    if pd.isna(estimate):
        return "n/a"
    return f"{estimate:+.3g} [{_num(low)}, {_num(high)}]"


def _figure(a: Analysis, kind: str, outcome: str, caption: str) -> list[str]:
    name = a.figures.get((kind, outcome))
    return [f"![{caption}]({name})", ""] if name else []


def _other_figures(a: Analysis, kind: str) -> list[str]:
    links = [f"[{o}]({a.figures[(kind, o)]})" for o in a.outcomes if o != a.headline and (kind, o) in a.figures]
    return [f"Figures for the other outcomes: {', '.join(links)}.", ""] if links else []


def _table_link(a: Analysis, kind: str, what: str) -> list[str]:
    name = a.tables.get(kind)
    return [f"{what}: [{name}]({name}).", ""] if name else []


def _design_section(a: Analysis) -> list[str]:
    m = a.manifest
    rows = [
        ("sweep name", m.get("name", "n/a")), ("design", a.design), ("design points", a.points),
        ("replications per point", a.replications), ("runs", a.runs), ("master seed", m.get("master_seed", "n/a")),
        ("fingerprint", f"`{m.get('fingerprint', 'n/a')}`"), ("qicsim version (sweep)", m.get("qicsim_version", "n/a")),
        ("qicsim version (analysis)", metadata.version("qicsim")),
        ("outcomes analysed", ", ".join(f"`{o}`" for o in a.outcomes)),
        ("bootstrap samples", a.n_boot), ("bootstrap seed", a.seed), ("interval level", f"{a.conf_level:.0%}"),
    ]
    out = ["## Design", "",
           "The sweep as its manifest (design.json) describes it, and the settings of this analysis.", "",
           pd.DataFrame(rows, columns=["item", "value"]).astype(str).to_markdown(index=False), ""]
    if a.factors:
        factors = pd.DataFrame([{
            "code": f.code, "factor": f.name, "kind": f.kind,
            "levels" if a.design == "factorial" else "bounds":
                ", ".join(f"{v:g}" for v in (f.levels if a.design == "factorial" and f.levels else f.bounds)),
        } for f in a.factors])
        out += ["Factors:", "", factors.to_markdown(index=False), ""]
    return out


def _effects_section(a: Analysis) -> list[str]:
    eff = a.effects
    if eff is None:
        return []
    level = f"{a.conf_level:.0%}"
    main = eff.main[eff.main["outcome"] == a.headline]
    shown = pd.DataFrame({
        "code": main["code"], "factor": main["factor"], "mean (low)": main["mean_lo"], "mean (high)": main["mean_hi"],
        "main effect": main["estimate"], f"{level} CI low": main["ci_low"], f"{level} CI high": main["ci_high"],
        "pairs of cells": main["n"]})
    out = [f"## Main effects on `{a.headline}`", "",
           "The main effect of a factor is the mean outcome over the design points with the factor at its high "
           "level minus the mean over those at its low level (each point's mean over its replications), taken "
           "over the pairs of design cells that differ only in that factor and where the outcome has a value. "
           f"Intervals are {level} percentile intervals of a bootstrap that resamples replications within each "
           f"design point ({a.n_boot} samples).", "", _md(shown), ""]
    out += _figure(a, "main_effects", a.headline, f"Main effects on {a.headline}")
    others = [o for o in a.outcomes if o != a.headline]
    if others:
        wide = eff.main.assign(cell=[_ci(e, lo, hi) for e, lo, hi in
                                     zip(eff.main["estimate"], eff.main["ci_low"], eff.main["ci_high"], strict=True)])
        wide = wide.pivot(index=["code", "factor"], columns="outcome", values="cell")[a.outcomes].reset_index()
        out += ["### Main effects on every outcome", "",
                f"Main effect [{level} CI] of each factor on each outcome analysed.", "",
                wide.to_markdown(index=False), ""]
    out += _other_figures(a, "main_effects") + _table_link(a, "main_effects", "All main effects")
    inter = eff.interactions[eff.interactions["outcome"] == a.headline]
    if len(inter):
        top = inter.reindex(inter["estimate"].abs().sort_values(ascending=False).index).head(TOP_INTERACTIONS)
        top = pd.DataFrame({"factors": [f"{x} x {y}" for x, y in zip(top["code_a"], top["code_b"], strict=True)],
                            "interaction": top["estimate"], f"{level} CI low": top["ci_low"],
                            f"{level} CI high": top["ci_high"]})
        out += [f"## Two-way interactions on `{a.headline}`", "",
                "The interaction of two factors (Yates's convention) is half the difference between the main "
                "effect of one with the other high and with the other low; it is 0 when their effects add up. "
                f"The {min(TOP_INTERACTIONS, len(inter))} largest in absolute value, with bootstrap intervals "
                "as above:",
                "", _md(top), ""]
        out += _figure(a, "interactions", a.headline, f"Two-way interactions on {a.headline}")
        out += _other_figures(a, "interactions") + _table_link(a, "interactions", "All interactions")
    return out


def _solution_lines(sol: Solution) -> list[str]:
    fit = sol.fit
    out = [f"- {sol.kind.capitalize()} solution: **{fit.expression}** (consistency {_num(fit.consistency)}, "
           f"coverage {_num(fit.coverage)}, {fit.n_cases} runs covered)"]
    out += [f"  - term {t.expression}: consistency {_num(t.consistency)}, raw coverage {_num(t.coverage)}, "
            f"unique coverage {_num(t.unique_coverage)}" for t in sol.terms]
    return out


def _qca_section(a: Analysis) -> list[str]:
    q = a.qca
    if q is None:
        return []
    status = q.truth_table["status"].value_counts()
    necessity = q.necessity.copy()
    necessity["necessary"] = necessity["necessary"].map({True: "yes", False: ""})
    out = ["## Crisp-set QCA", "",
           f"Cases are the {q.n_cases} runs; conditions are the contexts {', '.join(q.conditions)} (1 present, "
           f"0 absent); the outcome is *{q.rule.label}* (`{q.rule.rule}`), present in {q.n_outcome} runs"
           + (f" ({q.n_dropped} runs without a value left out)" if q.n_dropped else "") + ". "
           f"A configuration of the conditions is sufficient if at least {q.consistency_cutoff:g} of its runs have "
           "the outcome; the sufficient configurations are minimised with the Quine-McCluskey algorithm, with "
           "unobserved configurations (remainders) as don't-cares for the parsimonious solution and excluded from "
           f"the complex one. Truth table: {status.get('sufficient', 0)} sufficient, "
           f"{status.get('not sufficient', 0)} not sufficient, {status.get('remainder', 0)} remainder "
           "configurations. `+` is or, `*` and, `~` absence.", ""]
    out += [*_solution_lines(q.parsimonious), *_solution_lines(q.complex), ""]
    if q.n_outcome < MIN_POSITIVE_CASES:
        out += [f"**Warning:** only {q.n_outcome} runs have the outcome (fewer than {MIN_POSITIVE_CASES}): every "
                "result below rests on few positive cases.", ""]
    out += [f"Necessity of each condition and its absence (necessary if its consistency is at least "
            f"{q.necessity_cutoff:g}):", "", _md(necessity), ""]
    for kind, what in (("qca_truth_table", "Truth table (every configuration)"),
                       ("qca_solutions", "Solutions and their terms"), ("qca_necessity", "Necessity")):
        out += _table_link(a, kind, what)
    return out


def _qca_thresholds_section(a: Analysis) -> list[str]:
    t = a.qca_thresholds
    if t is None:
        return []
    held = t.summary["holds_at"].str.count(",") + 1
    order = t.summary.assign(_n=held).sort_values(["kind", "_n"], ascending=[True, False], kind="stable")
    shown = order.drop(columns="_n").head(TOP_THRESHOLD_RESULTS)
    shown = shown.assign(holds_at_every_threshold=shown["holds_at_every_threshold"].map({True: "yes", False: ""}))
    out = ["## QCA across outcome thresholds", "",
           f"The QCA repeated with the outcome set `{t.column} > t` for t = "
           f"{', '.join(f'{x:g}' for x in t.thresholds)}. A necessity result (condition X necessary) holds at t if "
           f"its consistency of necessity is at least {a.qca.necessity_cutoff if a.qca else 0.9:g}; a sufficiency "
           "result (a term of the parsimonious solution at any threshold) holds if its consistency is at least "
           f"{a.qca.consistency_cutoff if a.qca else 0.8:g}. Each result that holds at some threshold, where it "
           f"holds, and the fewest positive cases (runs in both X and the outcome set) where it holds; a result "
           f"supported by fewer than {t.min_positive} positive cases is flagged. "
           + (f"The {TOP_THRESHOLD_RESULTS} results holding at the most thresholds (necessity first) of "
              f"{len(t.summary)}:" if len(t.summary) > TOP_THRESHOLD_RESULTS else ""), "", _md(shown), "",
           "Parsimonious solution at each threshold:", "", _md(t.solutions), ""]
    few = t.summary[t.summary["warning"] != ""]
    if len(few):
        names = ", ".join(f"{k} of {r}" for k, r in zip(few["kind"], few["result"], strict=True))
        out += [f"**Warning:** {len(few)} result(s) rest on fewer than {t.min_positive} positive cases at some "
                f"threshold where they hold: {names}.", ""]
    return out + _table_link(a, "qca_thresholds_summary", "Every result that holds somewhere") + \
        _table_link(a, "qca_thresholds", "Every result at every threshold")


def _scenarios_section(a: Analysis) -> list[str]:
    s = a.scenarios
    if s is None:
        return []
    out = ["## Scenario discovery (PRIM)", "",
           "PRIM (Friedman and Fisher 1999), as scenario discovery uses it (Bryant and Lempert 2010), with "
           f"ema-workbench's implementation (Kwakkel 2017): cases are the {s.n_runs} runs, the outcome of interest "
           f"is *{s.rule.label}* (`{s.rule.rule}`, {s.n_interest} runs), the inputs are "
           f"{', '.join(f'`{i}`' for i in s.inputs)}. Each box is the step of PRIM's peeling trajectory with the "
           f"largest coverage (share of the runs of interest inside it) whose density (share of its runs that are "
           f"of interest) is at least {s.threshold:g}; the next box is sought among the runs outside it.", ""]
    if len(s.boxes):
        out += [_md(s.boxes), ""]
    else:
        best = s.trajectories.loc[s.trajectories["density"].idxmax()] if len(s.trajectories) else None
        out += [f"No box reaches a density of {s.threshold:g}" + (
            f" (the densest step of the first trajectory: density {best['density']:.3g} at coverage "
            f"{best['coverage']:.3g}, {int(best['res_dim'])} inputs restricted)." if best is not None else "."), ""]
    out += _figure(a, "prim", "trajectory", "PRIM peeling trajectory")
    return out + _table_link(a, "prim_boxes", "Boxes") + _table_link(a, "prim_limits", "Their limits")


def _robust_section(a: Analysis) -> list[str]:
    r = a.robust
    if r is None:
        return []
    ensemble = a.manifest.get("ensemble_sets") or {}
    table = r.conclusions.copy()
    table["robust"] = table["robust"].map({True: "robust", False: "depends on an assumption"})
    table["share"] = table["share"].map(lambda v: f"{v:.0%}")
    headline = table[table["outcome"].isin([a.headline, "*"]) | table["analysis"].str.startswith("QCA")]
    counts = r.conclusions["robust"].value_counts()
    out = ["## Conclusions over the ensemble", "",
           f"Every design point was run under each of {r.n_sets} parameter sets drawn from the ensemble "
           f"`{ensemble.get('source', 'n/a')}` (sha256 `{str(ensemble.get('sha256', 'n/a'))[:12]}`; column "
           f"`{r.set_column}`). Each analysis was repeated in each set, and each conclusion's verdict taken: an "
           f"effect *lowers* or *raises* the outcome if its {a.conf_level:.0%} bootstrap interval excludes 0, else "
           "*no clear effect*; a factor's rank by the size of its main effect; a QCA condition *necessary* or not. "
           "A conclusion's verdict is the one most sets give, and its share the share of sets giving it: "
           f"**robust** if at least {r.robust_share:.0%}, else it *depends on an assumption*, and the parameters "
           "most correlated (point-biserial r) with where it holds are named. "
           f"{counts.get(True, 0)} of {len(r.conclusions)} conclusions are robust.", ""]
    if any(word in str(ensemble.get("source", "")) for word in ("prior", "synthetic")):
        out += ["**Note:** this ensemble is a synthetic *prior* ensemble (parameters drawn uniformly from assumed "
                "ranges), not the calibrated one: these are conclusions over prior uncertainty.", ""]
    shown = headline.drop(columns=["sets"]).rename(columns={"holds_in": f"of {r.n_sets} sets",
                                                             "undefined_in": "undefined in"})
    if not shown["undefined in"].any():
        shown = shown.drop(columns="undefined in")
    out += [f"Conclusions on `{a.headline}` (and the QCA):", "", _md(shown), ""]
    return out + _table_link(a, "robust_conclusions", "Every conclusion on every outcome") + \
        _table_link(a, "robust_verdicts", "Each conclusion's verdict in each set") + \
        _table_link(a, "ensemble_sets", "The parameter sets")


def _cmo_section(a: Analysis) -> list[str]:
    if a.cmo is None:
        return []
    counts = a.cmo["verdict"].value_counts()
    return ["## Simulated CMO table", "",
            "For each context in the design, its mechanism indicator and the outcomes the programme theory names "
            "(docs/evidence.md, section 2): the mean with the context absent and present, over all levels of the "
            f"other factors, and their difference (the main effect) with its {a.conf_level:.0%} bootstrap interval. "
            "The verdict is *agrees* if the interval excludes 0 in the direction the theory expects when the context "
            "is present, *disagrees* if it excludes 0 in the other direction, and *no clear effect* otherwise. "
            f"Verdicts: {counts.get(AGREES, 0)} agree, {counts.get(NO_CLEAR_EFFECT, 0)} no clear effect, "
            f"{counts.get(DISAGREES, 0)} disagree.", "",
            cmo_markdown(a.cmo, a.conf_level), "",
            *_table_link(a, "cmo_table", "The table with the full evidence texts")]


def _removal_section(a: Analysis) -> list[str]:
    if a.removal is None:
        return []
    level = f"{a.conf_level:.0%}"
    rows = a.removal[a.removal["outcome"] == a.headline]
    shown = pd.DataFrame({"base": rows["base"], "removed": [f"{c} {r}" if c != r else r for c, r in
                                                            zip(rows["code"], rows["removed"], strict=True)],
                          "baseline": rows["baseline_mean"], "without": rows["removed_mean"],
                          "change": rows["estimate"], f"{level} CI low": rows["ci_low"],
                          f"{level} CI high": rows["ci_high"]})
    out = [f"## Removal effects on `{a.headline}`", "",
           "For each base scenario, each context switched off in turn: the mean outcome without the context minus "
           f"the base scenario's mean, with a {level} percentile interval from a bootstrap that resamples the "
           f"replications of the two points independently ({a.n_boot} samples).", "", _md(shown), ""]
    return out + _figure(a, "removal", a.headline, f"Removal effects on {a.headline}") + \
        _other_figures(a, "removal") + _table_link(a, "removal_effects", "All removal effects")


def _morris_section(a: Analysis) -> list[str]:
    if a.morris is None:
        return []
    rows = a.morris.loc[a.morris["outcome"] == a.headline, ["code", "factor", "mu", "mu_star", "mu_star_conf", "sigma"]]
    settings = a.manifest.get("settings") or {}
    out = [f"## Morris screening of `{a.headline}`", "",
           "Elementary effects of each factor along Morris trajectories (SALib): mu is their mean, mu* the mean of "
           "their absolute values (the importance measure), sigma their standard deviation (non-linearity or "
           f"interaction), per unit step of the factor scaled to [0, 1] on a {settings.get('morris_levels', 4)}-level "
           f"grid; mu_star_conf is the half-width of the {a.conf_level:.0%} bootstrap interval of mu*. "
           "Y is each point's mean over its replications.", "", _md(rows), ""]
    return out + _figure(a, "morris", a.headline, f"Morris mu* of {a.headline}") + _other_figures(a, "morris") + \
        _table_link(a, "morris", "All Morris indices")


def _sobol_section(a: Analysis) -> list[str]:
    if a.sobol is None:
        return []
    table = a.sobol.indices
    rows = table.loc[table["outcome"] == a.headline, ["code", "factor", "S1", "S1_conf", "ST", "ST_conf"]]
    out = [f"## Sobol indices of `{a.headline}`", "",
           "Variance-based sensitivity indices from the Saltelli sample (SALib): S1 is the share of the variance of "
           "the outcome due to the factor alone, ST the share due to the factor with all its interactions; the "
           f"`_conf` columns are half-widths of {a.conf_level:.0%} bootstrap intervals. Y is each point's mean over "
           "its replications.", "", _md(rows), ""]
    out += _figure(a, "sobol", a.headline, f"Sobol indices of {a.headline}")
    second = a.sobol.second_order
    second = second[second["outcome"] == a.headline]
    if len(second):
        top = second.reindex(second["S2"].abs().sort_values(ascending=False).index).head(TOP_INTERACTIONS)
        out += ["Largest second-order indices (S2, the share of variance due to the pair's interaction alone):", "",
                _md(top[["code_a", "code_b", "S2", "S2_conf"]]), ""]
    return out + _other_figures(a, "sobol") + _table_link(a, "sobol", "All Sobol indices") + \
        _table_link(a, "sobol_second_order", "All second-order indices")


def render_report(a: Analysis) -> str:
    """The report as Markdown.

    Args:
        a: What the analyses computed, and the files written.

    Returns:
        The text of report.md.
    """
    title = a.manifest.get("name") or "sweep"
    out = [f"# Analysis of sweep `{title}`", "",
           f"Analyses of a {a.design} sweep of qicsim: {a.points} design points x {a.replications} replications. "
           "Tables are in the CSV files beside this report; methods and formulas are in docs/analysis.md.", ""]
    out += _design_section(a)
    for section in (_robust_section, _effects_section, _qca_section, _qca_thresholds_section, _cmo_section,
                    _removal_section, _morris_section, _sobol_section, _scenarios_section):
        out += section(a)
    if a.notes:
        out += ["## Notes", "", *(f"- {note}" for note in a.notes), ""]
    out += ["## References", "", *(f"- {ref}" for ref in sorted(REFERENCES)), ""]
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


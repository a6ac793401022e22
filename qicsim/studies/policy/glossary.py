"""The words of the funding report (:mod:`qicsim.studies.policy.report`): plain names, a glossary, CHEERS 2022.

Kept apart from the code that writes the report so that the text can be read and edited on its own.
Everything here is plain text (no markup): the report escapes it for Markdown and HTML.

- :data:`OPTION_NAMES`: what a reader sees for each funding option shipped in ``configs/funding``
  (its code name is kept for the files: ``options.csv``, ``--options``). An option a user wrote gets
  its file name with underscores as spaces (:func:`plain_option`).
- :data:`ITEM_NAMES`: the funder's cost items (the columns of ``options.csv``) in plain words.
- :data:`GLOSSARY`: every term of economics or of the model the report uses, in plain words.
- :data:`CHEERS`: the 28 items of the CHEERS 2022 reporting checklist (Husereau et al., BMJ
  2022;376:e067975), each with the report section that answers it, or "not reported" and why.
- :data:`VALIDATION_RECORD`: the validation record in two sentences (docs/validation.md).
"""

from __future__ import annotations

OPTION_NAMES = {
    "baseline": "No extra funding (baseline)",
    "peach": "PEACH as it was run",
    "backfill_care_home": "Paid protected time for care home staff",
    "coaching": "A quality-improvement coach",
    "facilitation": "Facilitators working in the homes",
    "data_support": "Help with data",
    "extra_events": "Four extra learning events",
    "meetings_in_homes": "Meetings held in care homes",
    "full": "Everything together (full package)",
}
"""Plain names of the options in ``configs/funding`` (code name -> what the reader sees)."""

OPTION_DESCRIPTIONS = {
    "baseline": "What the commissioner gets without funding anything: no protected time, no facilitators, no "
                "data support; light coaching from the commissioner's existing quality-improvement lead and "
                "two learning events held in existing forums, all assumed free.",
    "peach": "The PEACH programme as it was run: half of care home team members' time protected and paid for, a "
             "quality-improvement fellow coaching each site team, four paid learning events.",
    "backfill_care_home": "The baseline plus all care home team members' quality-improvement time protected and "
                          "paid for (the funder pays for cover while they are away).",
    "coaching": "The baseline plus a paid quality-improvement coach for each site team (2 hours a week each).",
    "facilitation": "The baseline plus paid quality-improvement facilitators working alongside staff in every "
                    "home (3 hours a week per home).",
    "data_support": "The baseline plus analysts helping every home collect and read its data.",
    "extra_events": "The baseline's two free learning events plus four paid ones (six in all).",
    "meetings_in_homes": "The baseline with every local meeting held in a care home; rooms are assumed free, so "
                         "the funder pays nothing extra (NHS staff's travel is their employers' time).",
    "full": "Paid protected time for care home staff, a coach, facilitators in the homes, data support, four "
            "extra paid learning events and meetings in homes, all at once.",
}
"""What each shipped option buys, in plain words (from the comments of ``configs/funding/*.yaml``)."""

ITEM_NAMES = {
    "backfill": "Cover for protected time (backfill)",
    "facilitation": "Facilitators in homes",
    "coaching": "Coaching",
    "events": "Learning events",
    "data_support": "Data support",
}
"""The funder's cost items in plain words."""

MEASURE_NAMES = {
    "funder_gbp": "Funder pays",
    "employer_time_gbp": "Staff time (employers)",
    "implemented": "Improvements made",
    "sustained": "Improvements sustained",
    "homes_reached": "Homes reached",
    "funder_gbp_per_implemented": "Cost per improvement made",
    "funder_gbp_per_sustained": "Cost per sustained improvement",
    **ITEM_NAMES,
}
"""Columns of ``options.csv`` in plain words; a column not named here is shown as its name with spaces."""


def plain_option(name: str) -> str:
    """What a reader sees for an option: its plain name, or its file name with underscores as spaces."""
    return OPTION_NAMES.get(name, name.replace("_", " "))


def plain_measure(column: str) -> str:
    """A column of ``options.csv`` in plain words (unknown columns: the name, underscores as spaces)."""
    if column in MEASURE_NAMES:
        return MEASURE_NAMES[column]
    words = column.replace("_gbp", " (GBP)").replace("_", " ")
    return words[:1].upper() + words[1:]


GLOSSARY = {
    "Baseline": "The option the others are compared with: what happens without extra funding. Every 'extra' "
                "cost or improvement in this report is relative to it.",
    "Funder": "The commissioner (or other body) paying for the option. Its cost is what it pays out: cover for "
              "protected time, facilitators, coaching, learning events and data support.",
    "Staff time (employers)": "The value of the hours staff give to quality improvement, which their employers "
                              "(care homes, the NHS) absorb. Not paid by the funder; shown beside its cost.",
    "Protected time": "Hours set aside in a care home worker's rota for quality-improvement work, so that it is "
                      "not squeezed out by care.",
    "Backfill": "Paying for someone to cover a worker's shifts while they do quality-improvement work: the cost "
                "of protecting their time.",
    "Facilitator": "A quality-improvement specialist who works alongside staff in the homes.",
    "Coach": "A quality-improvement specialist who advises a site team (a group of about seven homes) on its "
             "projects.",
    "Learning event": "A day on which teams from all homes meet to learn quality-improvement methods and share "
                      "what they tried.",
    "Data support": "Analysts helping homes collect and read data on their residents' care.",
    "Improvement made": "A change to how care is given (for example a nutrition screening routine) put in place "
                        "in a home during the support.",
    "Sustained improvement": "An improvement still in place at the end of the year of follow-up, having lasted "
                             "at least 52 weeks without support: the outcome this report counts. One home keeping "
                             "one improvement counts once.",
    "Homes reached": "Care homes that put at least one improvement in place.",
    "Simulated run": "One run of the model: the same programme with its own chance events (staff leaving, "
                     "workload, which ideas come up) and, with an ensemble, its own draw of the model's settings. "
                     "Every option is run on the same runs (same seeds), so differences between options are not "
                     "down to chance alone.",
    "Ensemble": "Sets of the model's settings (and, when model-averaged, its rival structures, each with its "
                "calibrated probability) that reproduce what was observed in published collaboratives (from the "
                "calibration; 'How this was made' names them); each simulated run draws one, so the results "
                "carry uncertainty about the settings as well as chance.",
    "Mean": "The average over the simulated runs.",
    "95% CI of the mean": "The uncertainty of the mean: the range within which the average over very many "
                          "simulated runs would lie, with 95% confidence (a bootstrap over the runs). It narrows as "
                          "more runs are made. Shown in brackets after a mean.",
    "Spread of runs": "How much single simulated runs differ: the central 95% of runs (from the 2.5th to the "
                      "97.5th percentile). It does not narrow with more runs; it says how different one real "
                      "programme might turn out.",
    "The same in every run": "Said instead of an interval when every simulated run gave exactly the same value "
                             "(for example a fixed fee), so there is no chance variation to show.",
    "Cost per sustained improvement": "The funder's mean cost divided by the mean number of sustained "
                                      "improvements: an average, not the cost of one more improvement "
                                      "(that is the ICER).",
    "Incremental cost and effect": "How much more an option costs, and how many more sustained improvements it "
                                   "brings, than the next cheaper option worth considering.",
    "ICER": "Incremental cost-effectiveness ratio: the extra cost of each extra sustained improvement when moving "
            "from the next cheaper option worth considering to this one.",
    "Dominated": "An option is dominated when another costs no more and brings at least as many improvements (and "
                 "is better on one of the two). It is never a good buy.",
    "Extended dominance": "An option is extendedly dominated when a mix of two other options would bring more "
                          "improvements for the same money (its ICER is higher than that of a dearer option). It is "
                          "not a good buy either.",
    "Frontier": "The options left when dominated and extendedly dominated ones are set aside, ordered by cost: "
                "the good buys. Moving along it, each step buys extra improvements at its ICER.",
    "Willingness to pay": "What the funder is prepared to pay for one extra sustained improvement. The best "
                          "option depends on it.",
    "Net benefit": "An option's improvements valued at the willingness to pay, minus its cost. The option with the "
                   "highest net benefit is the best buy at that willingness to pay.",
    "Acceptability curve": "For each willingness to pay, the share of simulated runs in which an option has the "
                           "highest net benefit: how sure one can be that it is the best buy.",
    "Cost-effectiveness plane": "A chart of each option's extra improvements (across) against its extra cost (up), "
                                "both compared with the baseline. Down and to the right is better.",
    "Budget line": "On the cost-effectiveness plane, the extra cost at which an option uses up the budget: options "
                   "above it cost more than the budget.",
    "Within budget": "Whether an option's mean cost to the funder is at most the budget; the share of runs within "
                     "budget says how often a single run stays within it.",
    "Sensitivity analysis": "Changing one input (here a unit cost, by half down and half up) and seeing whether the "
                            "answer changes.",
    "Unit cost": "The price of one unit of something the funder pays for: an hour of a facilitator, a learning "
                 "event's venue, and so on (the inputs sheet of report.xlsx lists each with its source).",
    "CHEERS 2022": "Consolidated Health Economic Evaluation Reporting Standards 2022: a checklist of 28 items that "
                   "a report of an economic evaluation should answer.",
    "NICE": "The National Institute for Health and Care Excellence, which sets how economic evaluations for the NHS "
            "in England are done (its 'reference case') and the range of what the NHS pays for a QALY.",
    "Perspective": "Whose costs are counted. The NHS and personal social services perspective is NICE's reference "
                   "case and is shown first; the funder's counts only what the funder pays; the societal adds the "
                   "time care home staff give.",
    "NHS and personal social services (reference case)": "The costs that fall on the NHS and on social care: what "
                                                         "the funder pays, the commissioner's own programme (its "
                                                         "quality-improvement lead, management, venues, materials), "
                                                         "NHS staff's time and the hospital and GP care residents' "
                                                         "events need. NICE's reference case.",
    "Societal perspective": "The reference case plus the time care home staff give to quality improvement, which "
                            "their homes absorb.",
    "Resident events": "Falls, infections and potentially avoidable hospital admissions of care home residents, "
                         "counted in the model week by week; an improvement in place on its topic makes them rarer.",
    "Events averted": "How many fewer falls, infections, admissions, hospital bed days or ambulance conveyances "
                      "an option leads to than the baseline, over the weeks of support and the year of follow-up.",
    "Bed days": "Days residents spend in hospital after an admission.",
    "Conveyance": "An ambulance taking a resident to hospital.",
    "QALY": "Quality-adjusted life year: a year in full health, or two at half, and so on. An event that lowers a "
            "resident's quality of life for a few weeks loses a small fraction of a QALY; QALYs gained are those "
            "losses avoided.",
    "Cost offset": "The NHS costs of residents' events (admissions, A&E, ambulances, GP visits) that an option "
                   "avoids: money saved elsewhere that partly pays for it.",
    "Net monetary benefit": "The QALYs an option gains valued at what the NHS is prepared to pay for one (GBP 20,000 "
                            "and GBP 30,000, NICE's range), minus its extra cost from the reference-case "
                            "perspective (cost offsets included). Above zero: worth funding at that value.",
    "Net benefit per sustained improvement": "The net monetary benefit divided by the extra sustained improvements: "
                                             "for those who think in improvements rather than QALYs.",
    "Discounting": "Counting costs and health that come later as worth a little less than those now: 3.5% a year "
                   "(NICE's reference case), 1.5% as a sensitivity analysis; applied week by week.",
    "Price year": "The year whose prices every cost is given in (2023/24): older figures are inflated with one "
                  "stated price index.",
}
"""Every term the report uses, in plain words (alphabetical order is not needed: read in this order)."""
BUDGET_TERMS = ("Budget line", "Within budget")
"""Terms the report uses only when the comparison has a budget."""

SEARCH_TERMS = {
    "Mix": "A combination of fundable items, each bought at some intensity (for example facilitators 1.5 hours a "
           "week per home and four extra learning events). A mix of nothing is the zero-spend baseline.",
    "Planned cost": "What the funder commits to a mix before it runs: each item's cost per unit of intensity (from "
                    "a pilot run of every item at its highest level) times its intensity. The budget binds on it.",
    "Simulated cost": "What the mix cost the funder in the simulated runs, which can differ from the plan (paid "
                      "hours depend on what happens in the homes).",
    "Chance of overspending": "The share of simulated runs in which the mix's simulated cost exceeds the budget.",
    "Chance of being best": "The share of simulated runs in which the mix does best of all the affordable mixes "
                            "tried (most sustained improvements, or highest net monetary benefit: the table says "
                            "which). Every mix is run on the same runs, so the comparison is fair run by run; a run "
                            "in which several mixes tie is shared between them.",
    "Runner-up": "A mix on the frontier below the best: a good buy at a lower cost. Dominated mixes are never "
                 "runners-up.",
    "Effect with an item removed": "The best mix run again with one of its items taken away (on the same runs): "
                                   "the sustained improvements it loses show how much of the effect that item "
                                   "carries. The losses need not add up to the whole, because items work together.",
    "Budget impact": "What a mix costs in each year of the horizon (support, then follow-up), not discounted: for "
                     "the funder, and for the NHS and social care with the cost offsets in the year they fall.",
}
"""Terms of the budget search's report (with the general ones of :data:`GLOSSARY` it uses)."""
SEARCH_GENERAL = ("Baseline", "Funder", "Sustained improvement", "Simulated run", "Ensemble", "Mean",
                  "95% CI of the mean", "Spread of runs", "Dominated", "Extended dominance", "Frontier", "ICER",
                  "NICE", "Perspective", "NHS and personal social services (reference case)", "QALY", "Cost offset",
                  "Net monetary benefit")


def search_glossary() -> dict[str, str]:
    """The glossary of the budget search's report: its own terms, then the general ones it uses."""
    return {**SEARCH_TERMS, **{term: GLOSSARY[term] for term in SEARCH_GENERAL}}


def glossary(budget: bool) -> dict[str, str]:
    """The glossary of a report with or without a budget."""
    return {term: text for term, text in GLOSSARY.items() if budget or term not in BUDGET_TERMS}

CHEERS = [
    # (number, item, section of the report that answers it, or None, and the answer / why not reported)
    (1, "Title", "title", "The report's title names it a comparison of funding options."),
    (2, "Abstract", "answer", "The answer: the headline and the options table."),
    (3, "Background and objectives", "answer",
     "The question is which funding option (within the budget, if one is given) buys most sustained "
     "improvements in care homes' quality-improvement collaboratives."),
    (4, "Health economic analysis plan", None, "Not reported: no analysis plan was written before the runs; the "
     "method is fixed in the code (qicsim compare) and its documentation (README)."),
    (5, "Study population", "how-run", "Care homes in a collaborative like PEACH, grouped in four sites; the "
     "number of homes is in 'How this was made'."),
    (6, "Setting and location", "how-run", "English care homes supported by an NHS commissioner, as in PEACH."),
    (7, "Comparators", "options", "The options compared, each described, and the baseline."),
    (8, "Perspective", "perspectives", "NHS and personal social services (NICE's reference case) first, with "
     "the funder's payments alone and the societal view (adding care home staff's time) beside it."),
    (9, "Time horizon", "how-run", "The weeks of support plus 52 weeks of follow-up."),
    (10, "Discount rate", "how-run", "Costs and QALYs discounted by week at the rate in 'How this was made' (3.5% a "
     "year, NICE's reference case, unless changed); 1.5% as a sensitivity (the _sensitivity columns of outcomes.csv)."),
    (11, "Selection of outcomes", "residents", "Residents' falls, infections and potentially avoidable "
     "admissions, their hospital use (conveyances, bed days) and QALYs, from the problems the model counts; and "
     "sustained improvements (still in place a year after support), the model's own outcome."),
    (12, "Measurement of outcomes", "how-run", "Counted week by week in simulated runs of an agent-based model "
     "calibrated to published collaboratives (the ensemble in 'How this was made'); hospital use and QALY loss per "
     "event from the outcome file (report.xlsx, outcome_inputs "
     "sheet, each figure sourced or labelled an assumption)."),
    (13, "Valuation of outcomes", "residents", "QALYs from event disutilities and durations (sourced or labelled); "
     "net monetary benefit at GBP 20,000 and 30,000 per QALY; the acceptability curve also explores a value per "
     "sustained improvement."),
    (14, "Measurement and valuation of resources and costs", "how-run", "Hours and events counted in each run, "
     "priced at unit costs of one price year (report.xlsx, inputs sheet, each with its source and year or labelled "
     "an assumption); the NHS costs of residents' events from reference costs (outcome_inputs sheet)."),
    (15, "Currency, price date, and conversion", "how-run", "GBP at the price year in 'How this was made'; figures "
     "of other years inflated with one stated index (inputs sheet: each figure's year and factor)."),
    (16, "Rationale and description of model", "how-run", "An agent-based model of a care-home "
     "quality-improvement collaborative (docs/ODD.md)."),
    (17, "Analytics and assumptions", "assumptions", "Means over paired simulated runs; incremental analysis with "
     "dominance and extended dominance from each perspective; net monetary benefit; the assumptions that most move "
     "the answer."),
    (18, "Characterising heterogeneity", None, "Not reported: results are for the whole collaborative; differences "
     "between homes or sites are not analysed here."),
    (19, "Characterising distributional effects", None, "Not reported: who gains (residents, homes, staff groups) "
     "is not modelled."),
    (20, "Characterising uncertainty", "options", "95% CI of the mean and spread of runs on every number; "
     "acceptability curve; one-at-a-time sensitivity on unit costs. Model settings vary only through the ensemble."),
    (21, "Approach to engagement with patients and others affected by the study", None, "Not reported: residents, "
     "families and staff were not involved in this analysis."),
    (22, "Study parameters", "how-run", "Unit costs in report.xlsx (inputs sheet); model settings and the ensemble "
     "in provenance.json."),
    (23, "Summary of main results", "options", "The options table, residents' outcomes and net monetary benefit, "
     "each perspective's verdict, and a paragraph per option."),
    (24, "Effect of uncertainty", "assumptions", "The acceptability curve and the assumptions that most move the "
     "answer."),
    (25, "Effect of engagement with patients and others affected by the study", None, "Not reported: there was no "
     "such engagement (item 21)."),
    (26, "Study findings, limitations, generalisability, and current knowledge", "limits", "What the model cannot "
     "tell you, and the validation record."),
    (27, "Source of funding", None, "Not reported: the report is generated by the open-source qicsim software; who "
     "funds its use is for the user to state."),
    (28, "Conflicts of interest", None, "Not reported: for the user of the report to state."),
]
"""The CHEERS 2022 items: (number, item, the report's section id answering it or None, what it says)."""

SECTIONS = {
    "title": "Title",
    "answer": "The answer",
    "options": "The options compared",
    "residents": "What it means for residents and the NHS",
    "perspectives": "Costs and QALYs from each perspective",
    "measures": "More measures",
    "structures": "Under each rival structure",
    "paragraphs": "The options in plain words",
    "figures": "Figures",
    "assumptions": "The three assumptions that most move the answer",
    "limits": "What the model cannot tell you",
    "validation": "How far the model has been checked",
    "how-run": "How this was made",
    "glossary": "Glossary",
    "cheers": "CHEERS 2022 checklist",
}
"""Sections of the report (html ``id`` -> heading), which the CHEERS table points to."""

VALIDATION_RECORD = (
    "Checked against 13 published observations it was not fitted to, the model passes 10 (7 of 8 on PEACH, both "
    "on the SPACE programme and one on a Breakthrough Series of nursing homes) and fails both on the PROSPER "
    "programme narrowly and attendance at learning events at the edge of its band; over the calibrated, "
    "model-averaged ensemble (the default), 10 of the 11 observations still held out pass, both on PROSPER among "
    "them, and attendance at learning events fails.",
    "Several of the PEACH checks are related to patterns the model was set by hand to reproduce, so they are weak "
    "evidence: the model is fit to compare options, not to forecast what one real collaborative will achieve "
    "(docs/validation.md).",
)
"""docs/validation.md in two sentences (the point-default and `programmes` ensemble tables, qicsim 0.2.0)."""


NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}


def calibration_limit(ensemble: str | None) -> str:
    """The limit saying what the model's settings rest on, for the ensemble a report's runs drew from (or None).

    Read from the ensemble's record (:func:`qicsim.config.ensemble.fitted_programmes`), so a report over the
    calibration across programmes does not claim a fit to PEACH alone, nor one over point values a calibration.
    """
    if ensemble is None:
        return ("Effects rest on the model's point values, chosen from sources and set by hand to reproduce the "
                "patterns of one collaborative (PEACH, 29 care homes); other places may differ.")
    from qicsim.config.ensemble import fitted_programmes, sidecar

    programmes = fitted_programmes(ensemble)
    if not programmes:  # a user's own ensemble without a record
        return ("Effects rest on the settings of the ensemble given, whose record does not say what it was "
                "calibrated to; other places may differ.")
    if len(programmes) == 1:
        which = "PEACH, 29 care homes" if programmes == ["PEACH"] else programmes[0]
        return f"Effects rest on a model calibrated to one collaborative ({which}); other places may differ."
    named = ", ".join(programmes[:-1]) + f" and {programmes[-1]}"
    weighed = (", with rival model structures weighed by how well each fits them"
               if sidecar(ensemble).get("kind") == "model-averaged" else "")
    return (f"Effects rest on a model calibrated to {NUMBER_WORDS.get(len(programmes), len(programmes))} "
            f"collaboratives ({named}){weighed}; other places may differ.")

"""Guided exercises: docs/teaching.md's recipes as question, prediction, run and explanation.

Each exercise compares a context present and absent (the compare tab's runs: 10 run numbers,
median and range) on the outcome docs/teaching.md says to watch; the class predicts first,
then sees the runs and an explanation linked to the paper's finding (docs/evidence.md). The
texts are short versions of docs/teaching.md's sections of the same context; a test checks that
each exercise's context has its section there and its outcome is one the compare tab offers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qicsim.apps.dashboard.compare import Comparison

PREDICTIONS = ("higher with it", "about the same", "lower with it")


@dataclass(frozen=True)
class Exercise:
    """One guided exercise.

    Attributes:
        context: The context switched (a name of the registry).
        outcome: The outcome watched (a key of ``qicsim.apps.dashboard.compare.OUTCOMES``).
        question: What the class is asked, before anything runs: always about the context present,
            so that the answers (:data:`PREDICTIONS`) read "higher with it" and so on.
        explanation: What the runs show and why, in plain words.
        paper: The paper's finding it reflects, with where it is in docs/evidence.md.
    """

    context: str
    outcome: str
    question: str
    explanation: str
    paper: str


EXERCISES: dict[str, Exercise] = {
    "C4 protected time and attendance": Exercise(
        "protected_time", "attendances by care home staff",
        "With care home staff's time for the collaborative protected and paid for, will they come to its "
        "meetings more often (higher), about as often, or less often (lower) than without it?",
        "Without backfilled, paid time, care home members have few hours left after care duties: they attend "
        "fewer meetings and do less project work. Protected time is also pulled back under pressure, so it helps "
        "least when homes are busiest.",
        "Staff time protected and paid made taking part feasible beside care duties (evidence.md, section 2, C4)."),
    "C8 meetings in care homes": Exercise(
        "meetings_in_care_homes", "attendances by care home staff",
        "With local meetings held in care homes rather than at the commissioner's offices, will care home staff "
        "attend more (higher), about as much, or less (lower)?",
        "A meeting away from the home costs care home staff the meeting plus travel; with few hours to spare "
        "they cannot come. Held in a home, it costs its own staff no travel. One run can say the opposite: "
        "look at the share of run numbers.",
        "Meetings in care homes let care home staff attend without leaving the floor for long, and NHS staff "
        "saw the setting (evidence.md, section 1, Local meetings; section 2, C8)."),
    "C5 alignment and what lasts": Exercise(
        "alignment", "improvements still in place",
        "With improvements fitted to what each home already works on, will more (higher), about as many, or "
        "fewer (lower) of them still be in place a year after support ends?",
        "Work fitted to a home's priorities is partly done as the day job: it costs less time and, once "
        "implemented, lasts longer without support. Without alignment, fewer improvements are in place a year on.",
        "Improvements aligned with existing work and priorities felt like the day job, and fit with the home's "
        "priorities decided sustainment (evidence.md, section 2, C5; section 4, pattern 5)."),
    "C1 a clear remit": Exercise(
        "remit_clarity", "improvements implemented",
        "With a remit that staff see fits their own work, rather than one that stays narrow and unfamiliar, "
        "will teams implement more (higher), about as many, or fewer (lower) improvements?",
        "Staff who do not see how the remit fits their work judge fewer ideas to be in scope, so fewer "
        "projects start and fewer improvements are implemented.",
        "A broad, easily understood remit let members see how it fitted their own work (evidence.md, "
        "section 1, Remit; section 2, C1)."),
    "C10 data support against a heavy workload": Exercise(
        "data_support", "tests of change measured",
        "PEACH's homes had heavy workloads and little routine data, and no team measured. With funded help for "
        "collecting and reading data, will more (higher), about as many, or fewer (lower) tests of change be "
        "measured?",
        "With heavy workload and little routine data, measuring costs more than champions think it is worth, "
        "so they skip it. Funded data support lowers the cost and raises its value: measurement starts to be "
        "used.",
        "No PEACH team used measurement for change, citing the difficulty of fitting it into existing and QI "
        "workload; plan resources for data (evidence.md, section 1, Measurement; section 2, C10)."),
    "C2 partners who already work together": Exercise(
        "prior_partnership", "improvements implemented",
        "With members recruited from NHS teams and care homes that already work together, will teams implement "
        "more (higher), about as many, or fewer (lower) improvements?",
        "Trust across the NHS-care home divide takes time to build. Champions who start with it set a project "
        "up faster, so improvements come sooner and more are in by the end. C2 acts once, when the team is "
        "formed.",
        "Members recruited with established partnership working brought trust and needed little set-up time "
        "(evidence.md, section 2, C2)."),
    "C3 less hierarchy and who leads": Exercise(
        "hierarchy_reduction", "projects led by care home staff",
        "With meetings that build relationships and flatten hierarchy (ground rules, celebrating success, paying "
        "for time), will care home staff lead more projects (higher), about as many, or fewer (lower)?",
        "In a room with a steep status gradient, care assistants who do not feel safe stay silent. Appreciative "
        "meetings raise their safety meeting by meeting, so more ideas come from care home staff and more "
        "projects are led by them. The gain is modest: look at the share of run numbers.",
        "Strategies that build relationships and minimise hierarchy made care home staff feel valued and safe "
        "to speak; care home staff can lead improvement when structures enable them (evidence.md, section 1, "
        "Care home staff; section 2, C3; section 4, pattern 3)."),
    "C6 coaching in manageable chunks": Exercise(
        "qi_coaching", "tests of change (PDSA cycles)",
        "With QI coaching that helps teams plan in manageable chunks, will teams run more (higher), about as "
        "many, or fewer (lower) tests of change?",
        "Coaching builds QI skill, so teams cut a plan into small chunks: each a quick test that mostly "
        "succeeds and leads to the next. Without it, cycles are larger and fail more often, and fewer plans are "
        "tested to completion.",
        "QI coaching that helped members plan in manageable chunks meant small steps succeeded, building "
        "confidence and momentum (evidence.md, section 1, Support; section 2, C6)."),
    "C7 asking contacts for a missing profession": Exercise(
        "network_recruitment", "improvements implemented",
        "With champions encouraged to ask their contacts for a profession the team lacks (a dietitian, a "
        "specialist nurse), will teams implement more (higher), about as many, or fewer (lower) improvements?",
        "A project that needs a profession the team lacks waits for a formal referral unless its champion asks "
        "someone they know. Readiness to ask turns the network into help, so fewer projects stall. The gain "
        "is small: look at the share of run numbers.",
        "Members encouraged to recruit support through their networks brought in missing professions, e.g. the "
        "dietitian-led nutrition support four homes adopted (evidence.md, section 1, follow-up; section 2, C7)."),
    # Implemented, not spread (the section's watch): spread is a few improvements, and on run numbers 1-10
    # its median came out lower with events (0 against 1), which would teach the opposite of the paper.
    "C9 shared learning events": Exercise(
        "learning_events", "improvements implemented",
        "With shared learning events bringing all sites together every six months or so, will teams implement "
        "more (higher), about as many, or fewer (lower) improvements?",
        "Events bring recognition, renewed motivation, skill, and new ties across sites along which an "
        "improvement in place in one home can be taken up by another. Spread itself is rare (a few "
        "improvements) and varies from run to run; what moves clearly is how much teams implement.",
        "Shared learning events gave learning across sites, renewed motivation and peer recognition; a few "
        "improvements spread after them (evidence.md, section 2, C9; section 4, patterns 2 and 4)."),
}
"""The exercises, by their titles."""


def verdict(prediction: str, comparison: Comparison) -> str:
    """Whether the class's prediction matched the medians, in one plain sentence."""
    with_end, without_end = comparison.ends()
    median_with, median_without = float(np.median(with_end)), float(np.median(without_end))
    spread = max(float(np.ptp(np.concatenate([with_end, without_end]))), 1.0)
    if abs(median_with - median_without) <= 0.05 * spread:
        found = "about the same"
    else:
        found = "higher with it" if median_with > median_without else "lower with it"
    match = "as predicted" if prediction == found else f"not as predicted ({prediction})"
    return f"The medians came out {found}: {match}."

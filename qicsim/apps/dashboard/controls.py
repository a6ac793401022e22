"""What the dashboard's controls offer: scenarios, a plain line per context, and presets.

The explanations say in a manager's words what each context C1-C10 is (docs/evidence.md,
section 2; the model's reading of it is ``qicsim.model.contexts.CONTEXTS``). A preset sets only the
sliders it names and leaves the others where they are.
"""

from __future__ import annotations

import threading
from functools import cache

from qicsim.model.contexts import CONTEXTS

COMPOSE = threading.RLock()
"""Hydra's state is global: one composition at a time across the server's sessions (threads)."""

PLAIN: dict[str, str] = {
    "remit_clarity": "How clearly staff see that the collaborative's remit fits their own work.",
    "prior_partnership": "How many members already worked with each other across the NHS-care home divide.",
    "hierarchy_reduction": "How much meetings flatten hierarchy, so that care assistants feel safe to speak.",
    "protected_time": "How much of care home members' QIC time is protected and paid for (backfilled).",
    "alignment": "How far improvements are fitted to what each home already works on.",
    "qi_coaching": "How much QI coaching helps teams plan in small, manageable chunks.",
    "network_recruitment": "How readily champions ask their contacts for a missing discipline (e.g. a dietitian).",
    "meetings_in_care_homes": "Share of local meetings held in a care home rather than at the CCG offices.",
    "learning_events": "Whether the shared learning events for all sites take place.",
    "data_support": "Funded help with collecting and reading data on each change tested.",
}
assert set(PLAIN) == {c.name for c in CONTEXTS}  # one line per context

PRESETS: dict[str, dict[str, float]] = {
    "no protected time": {"protected_time": 0.0},
    "all protected time": {"protected_time": 1.0},
    "meet at the CCG offices": {"meetings_in_care_homes": 0.0},
    "meet in care homes": {"meetings_in_care_homes": 1.0},
    "no learning events": {"learning_events": 0.0},
    "with data support": {"data_support": 1.0},
    "no QI coaching": {"qi_coaching": 0.0},
    "keep the hierarchy": {"hierarchy_reduction": 0.0},
}

SCENARIOS = ("peach", "all_contexts", "no_contexts", "funding_protected_time", "funding_data_support",
             "funding_facilitation")


def label(name: str) -> str:
    """``C4 protected time``: the code and the context's name in words."""
    code = next(c.code for c in CONTEXTS if c.name == name)
    return f"{code} {name.replace('_', ' ')}"


@cache
def scenario_intensities(scenario: str) -> dict[str, float]:
    """Each context's intensity for all sites at the start of a scenario (as shipped)."""
    import qicsim

    with COMPOSE:
        contexts = qicsim.scenario_config(scenario).contexts
    return {c.name: float(getattr(contexts, c.name).intensity) for c in CONTEXTS}


def apply_preset(values: dict[str, float], preset: str) -> dict[str, float]:
    """The slider values after a preset: the contexts it names set, the others kept."""
    return {**values, **PRESETS[preset]}

"""What an improvement in place prevents: topic-blind (``uniform``) or by its topic (``by_topic``).

Process 10 (:mod:`qicsim.model.problems`) cuts each home's inflow of avoidable problems by the
improvements in place there. ``structure.prevention`` says how:

* ``uniform`` (the default): every improvement in place, whatever its topic, cuts the one problem
  stream (falls, infections and avoidable admissions together) by ``prevention_per_improvement``
  (an assumption).
* ``by_topic``: the inflow is kept as four streams (:data:`KINDS`), each at its sourced rate per
  bed-year, and each is cut only by improvements whose topic acts on it, by that topic's rate ratio
  on that kind (:data:`RATE_RATIOS`, each a parameter with its source): ``inflow_k x prod_t
  rate_ratio[t, k] ^ in_place[t]``. A topic with no sourced effect on a kind leaves it alone (rate
  ratio 1). Pressure ulcers are a stream of their own here, with a rate and an effect sourced
  (docs/outcomes_by_topic.md).

A problem's kind changes nothing else in the model: the rushed-care factor multiplies every stream
alike, and the problem stock (its hours, the load they add) is their sum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model.topics import TOPICS

if TYPE_CHECKING:
    from qicsim.model.parameters import Parameters

KIND_RATES: dict[str, str] = {
    "falls": "falls_per_bed_year",
    "infections": "infections_per_bed_year",
    "admissions": "avoidable_admissions_per_bed_year",
    "pressure_ulcers": "pressure_ulcers_per_bed_year",
}
"""Each kind of avoidable problem under ``by_topic`` and the parameter giving its rate per bed-year."""
KINDS: tuple[str, ...] = tuple(KIND_RATES)
UNIFORM_KINDS: tuple[str, ...] = ("falls", "infections", "admissions")
"""The kinds the one stream of ``uniform`` holds (pressure ulcers are not in it)."""

RATE_RATIOS: dict[tuple[str, str], str] = {
    ("falls_prevention", "falls"): "rate_ratio_falls_prevention_falls",
    ("medication_review", "falls"): "rate_ratio_medication_review_falls",
    ("hydration", "infections"): "rate_ratio_hydration_infections",
    ("deterioration_review", "admissions"): "rate_ratio_deterioration_review_admissions",
    ("nutrition_support", "pressure_ulcers"): "rate_ratio_nutrition_support_pressure_ulcers",
}
"""(topic, kind) -> the parameter giving the rate ratio on that kind of one improvement in place on that topic.

Every other pair has rate ratio 1: no effect was sourced (docs/outcomes_by_topic.md says what was searched)."""

TOPIC_INDEX = {topic.name: i for i, topic in enumerate(TOPICS)}


def kinds_of(prevention: str) -> tuple[str, ...]:
    """The kinds of problem a structure's inflow holds."""
    return KINDS if prevention == "by_topic" else UNIFORM_KINDS


def rate_ratio_table(params: Parameters) -> np.ndarray:
    """Rate ratios by topic and kind, shape (topics, :data:`KINDS`): 1 where no effect is sourced."""
    table = np.ones((len(TOPICS), len(KINDS)))
    for (topic, kind), name in RATE_RATIOS.items():
        table[TOPIC_INDEX[topic], KINDS.index(kind)] = getattr(params, name)
    return table


def remaining_by_kind(table: np.ndarray, topics_in_place: list[int]) -> np.ndarray:
    """The share of each kind's inflow left by a home's improvements in place, shape (:data:`KINDS`,).

    Args:
        table: :func:`rate_ratio_table`.
        topics_in_place: The topic (index into ``TOPICS``) of each improvement in place in the home.
    """
    if not topics_in_place:
        return np.ones(len(KINDS))
    return np.prod(table[topics_in_place], axis=0)

"""Improvement topics a project can take, and the disciplines each one needs.

The topics are those the PEACH teams and their follow-up describe (docs/evidence.md,
section 1: a multidisciplinary review of residents at risk of deterioration; dietitian-led
nutrition support) plus common care-home QI topics. Which disciplines each needs is an
assumption; it is what makes some interventions multidisciplinary and puts C7 to work.
"""

from __future__ import annotations

from dataclasses import dataclass

from qicsim.model.roles import Role


@dataclass(frozen=True)
class Topic:
    """An improvement topic.

    Attributes:
        name: Short identifier.
        needs: Disciplines the project cannot progress without.
    """

    name: str
    needs: tuple[Role, ...]


TOPICS: tuple[Topic, ...] = (
    Topic("nutrition_support", (Role.DIETITIAN,)),
    Topic("deterioration_review", (Role.SPECIALIST_NURSE, Role.GP)),
    Topic("medication_review", (Role.PHARMACIST,)),
    Topic("falls_prevention", (Role.THERAPIST,)),
    Topic("end_of_life_care", (Role.GP,)),
    Topic("comprehensive_geriatric_assessment", (Role.GERIATRICIAN, Role.GP)),
    Topic("hydration", ()),
    Topic("oral_health", ()),
    Topic("handover_communication", ()),
)
N_TOPICS = len(TOPICS)

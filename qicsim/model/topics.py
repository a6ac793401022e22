"""Improvement topics a project can take, and the disciplines each one needs.

The topics are those the PEACH teams and their follow-up describe (docs/evidence.md,
section 1: a multidisciplinary review of residents at risk of deterioration; dietitian-led
nutrition support) plus common care-home QI topics. Which disciplines each needs, and which
would help, is an assumption; it is what makes some interventions multidisciplinary and
puts C7 to work.
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
        helps: Disciplines that strengthen it if the team brings them in (C7: multidisciplinary
            support recruited through members' networks), not required.
    """

    name: str
    needs: tuple[Role, ...]
    helps: tuple[Role, ...] = ()


TOPICS: tuple[Topic, ...] = (
    Topic("nutrition_support", (Role.DIETITIAN,), (Role.THERAPIST,)),
    Topic("deterioration_review", (Role.SPECIALIST_NURSE, Role.GP), (Role.GERIATRICIAN,)),
    Topic("medication_review", (Role.PHARMACIST,), (Role.GERIATRICIAN,)),
    Topic("falls_prevention", (Role.THERAPIST,), (Role.PHARMACIST,)),
    Topic("end_of_life_care", (Role.GP,), (Role.SPECIALIST_NURSE,)),
    Topic("comprehensive_geriatric_assessment", (Role.GERIATRICIAN, Role.GP), (Role.THERAPIST, Role.PHARMACIST)),
    Topic("hydration", (), (Role.DIETITIAN,)),
    Topic("oral_health", ()),
    Topic("handover_communication", (), (Role.COMMUNITY_NURSE,)),
)
N_TOPICS = len(TOPICS)

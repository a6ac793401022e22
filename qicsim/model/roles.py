"""Staff roles: organisation, hierarchy level and hourly cost.

The role list follows the PEACH teams (docs/evidence.md, section 1, "Teams") and the
ODD description (docs/ODD.md, section 2). Hierarchy levels and most wages are assumptions; the sourced figures are
marked where they are defined.
"""

from __future__ import annotations

from enum import IntEnum


class Organisation(IntEnum):
    """Who employs a staff member."""

    NHS = 0
    CARE_HOME = 1


class Role(IntEnum):
    """A staff role. The integer value indexes per-role arrays."""

    GP = 0
    GERIATRICIAN = 1
    PHARMACIST = 2
    COMMUNITY_NURSE = 3
    SPECIALIST_NURSE = 4
    THERAPIST = 5
    DIETITIAN = 6
    LAY_MEMBER = 7
    CARE_HOME_MANAGER = 8
    REGISTERED_NURSE = 9
    SENIOR_CARER = 10
    CARE_ASSISTANT = 11


ORGANISATION: dict[Role, Organisation] = {
    role: (Organisation.CARE_HOME if role >= Role.CARE_HOME_MANAGER else Organisation.NHS)
    for role in Role
}
"""Employer of each role. Lay and voluntary-sector members are counted with the NHS side
because the commissioner recruited them (docs/evidence.md, section 1, "Teams")."""

HIERARCHY: dict[Role, int] = {
    # Assumption: a 0-5 status gradient, doctors highest, care assistants lowest.
    Role.GP: 5,
    Role.GERIATRICIAN: 5,
    Role.PHARMACIST: 4,
    Role.COMMUNITY_NURSE: 3,
    Role.SPECIALIST_NURSE: 3,
    Role.THERAPIST: 3,
    Role.DIETITIAN: 3,
    Role.LAY_MEMBER: 1,
    Role.CARE_HOME_MANAGER: 3,
    Role.REGISTERED_NURSE: 2,
    Role.SENIOR_CARER: 1,
    Role.CARE_ASSISTANT: 0,
}

HOURLY_COST_GBP: dict[Role, float] = {
    # Sourced: docs/evidence.md section 3 (care worker pay GBP 7.89 an hour, 2017/18;
    # specialist community nurse GBP 43 an hour; GP consultation GBP 45 per 11.7 minutes,
    # i.e. about GBP 231 an hour). Every other figure is an assumption.
    Role.GP: 45.0 / 11.7 * 60.0,
    Role.GERIATRICIAN: 110.0,
    Role.PHARMACIST: 45.0,
    Role.COMMUNITY_NURSE: 43.0,
    Role.SPECIALIST_NURSE: 43.0,
    Role.THERAPIST: 40.0,
    Role.DIETITIAN: 40.0,
    Role.LAY_MEMBER: 0.0,
    Role.CARE_HOME_MANAGER: 18.0,
    Role.REGISTERED_NURSE: 16.0,
    Role.SENIOR_CARER: 9.0,
    Role.CARE_ASSISTANT: 7.89,
}

HOURLY_COST_SOURCE: dict[Role, str] = {
    role: "assumption" for role in Role
} | {
    Role.GP: "evidence 3: GP surgery consultation (GBP 45 per 11.7 minutes)",
    Role.COMMUNITY_NURSE: "evidence 3: Specialist community nurse (GBP 43 an hour)",
    Role.SPECIALIST_NURSE: "evidence 3: Specialist community nurse (GBP 43 an hour)",
    Role.CARE_ASSISTANT: "evidence 3: Care worker pay (GBP 7.89 an hour, 2017/18)",
}

ROLE_NAMES: tuple[str, ...] = tuple(role.name.lower() for role in Role)

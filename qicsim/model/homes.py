"""Care homes and site teams: the places staff work and the teams they form."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class CareHome:
    """A care home.

    Attributes:
        index: Home index, 0 .. n_homes - 1.
        site: Site index.
        beds: Number of beds.
        nursing: Nursing home (has registered nurses) or residential.
        priorities: Topic indices the home already works on.
        staff: Staff slots of the home's posts.
    """

    index: int
    site: int
    beds: int
    nursing: bool
    priorities: frozenset[int]
    staff: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass
class SiteTeam:
    """One collaborative team per site.

    Attributes:
        index: Site index.
        name: ``site_1`` ...
        homes: Home indices of the site.
        nhs_staff: Staff slots of NHS posts at the site (team and outside professionals).
    """

    index: int
    name: str
    homes: list[int]
    nhs_staff: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

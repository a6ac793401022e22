"""Process 9: implemented improvements are sustained or lapse, mainly after support ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from qicsim.model import turnover
from qicsim.model.project import Stage

if TYPE_CHECKING:
    from qicsim.model.model import QICModel
    from qicsim.model.open_projects import InPlaceColumns
    from qicsim.model.project import Project


def update_sustainment(model: QICModel) -> None:
    """Each improvement in place may lapse; one that lasts long enough unsupported is sustained.

    Weekly lapse chance: ``lapse_per_week``, times ``support_lapse_share`` during support,
    times ``1 - alignment_lapse_protection * alignment`` (C5: work that is part of routine
    lasts), times ``1 - data_confirmation_lapse_protection`` if data confirmed it works
    (perceived effectiveness), times ``champion_loss_lapse`` while the improvement has no
    champion (staff continuity; docs/evidence.md, section 1, sustainment themes). A champion
    who left can be replaced by another member of the home. Under the capability trap's full
    loop (``structure.trap = "full_loop"``) the hazard is then multiplied by ``1 +
    lapse_pressure x max(0, load - 1)`` at the home's load this week: an improvement in place
    lapses more easily when staff are stretched (:func:`load_multiplier`).

    The improvements are taken in creation order, each drawing first a take-over draw if it has
    no champion, then its lapse draw. The number of draws is known before any is used (a
    take-over changes no other improvement's champion), so they are drawn at once, and the
    hazards are computed as arrays, each element by the same operations in the same order as
    one improvement at a time.
    """
    in_place = model.home_state.in_place
    projects = model.open.in_place
    if not projects:
        in_place[:] = 0.0
        return
    projects = list(projects)  # a lapse leaves the list only at the week's end
    columns = model.open.in_place_columns()
    fixed = fixed_terms(model, columns)
    hazard = fixed.hazard * model.params.support_lapse_share if model.supported else fixed.hazard
    orphaned = [project.champion < 0 for project in projects]
    n_orphaned = sum(orphaned)
    draws = model.streams["sustainment"].random(len(projects) + n_orphaned)
    if n_orphaned:
        draws, hazard = take_over(model, projects, orphaned, draws, hazard)
    hazard = add_load(model, columns, hazard)
    # A draw lies in [0, 1): below the hazard exactly when below the hazard capped at 1.
    lapsed = draws < hazard
    if lapsed.any():
        for i in lapsed.nonzero()[0].tolist():
            model.open.move(projects[i], Stage.ABANDONED, model.week)
            model.counts.add("lapses", projects[i].home)
        in_place[:] = np.bincount(columns.home[~lapsed], minlength=len(in_place))
    else:
        in_place[:] = fixed.per_home
    if model.week >= fixed.first_sustained:  # else none has been unsupported long enough
        for i in ((model.week >= fixed.sustained_from) & ~lapsed).nonzero()[0].tolist():
            if projects[i].stage == Stage.IMPLEMENTED:
                model.open.move(projects[i], Stage.SUSTAINED, model.week)


class FixedTerms(NamedTuple):
    """What sustainment reads of the improvements in place that stays the same from week to week.

    Attributes:
        hazard: Each one's lapse hazard from alignment and data confirmation (before support,
            champion and load).
        per_home: Improvements in place per home (when none lapses).
        sustained_from: The first week in which each would count as sustained.
        first_sustained: The first of those weeks.
    """

    hazard: np.ndarray
    per_home: np.ndarray
    sustained_from: np.ndarray
    first_sustained: int


def fixed_terms(model: QICModel, columns: InPlaceColumns) -> FixedTerms:
    """:class:`FixedTerms` of the improvements in place, computed once for as long as they stay the same."""
    terms = columns.derived.get("sustainment")
    if terms is None:
        params = model.params
        hazard = params.lapse_per_week * (1.0 - params.alignment_lapse_protection * columns.alignment)
        confirmed = hazard * (1.0 - params.data_confirmation_lapse_protection)
        # In week w an improvement has been unsupported w + 1 - max(implemented, support weeks) weeks.
        sustained_from = np.maximum(columns.week_implemented, model.support_weeks) + params.sustain_weeks - 1
        terms = columns.derived["sustainment"] = FixedTerms(
            np.where(columns.data_confirmed, confirmed, hazard),
            np.bincount(columns.home, minlength=model.home_state.n).astype(np.float64),
            sustained_from, int(sustained_from.min()))
    return terms


def take_over(model: QICModel, projects: list[Project], orphaned: list[bool], draws: np.ndarray,
              hazard: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Members of the homes may take over improvements without a champion; those left without one lapse more easily.

    Args:
        model: The model.
        projects: The improvements in place.
        orphaned: Which of them have no champion.
        draws: The week's draws: each improvement's lapse draw, after its take-over draw if it has no champion.
        hazard: Their lapse hazards so far.

    Returns:
        The lapse draws, one per improvement, and the hazards times ``champion_loss_lapse`` where
        no one took over.
    """
    table = model.staff
    lapse_at = []  # where each improvement's lapse draw is among the week's draws
    at = 0
    for orphan in orphaned:  # a plain loop: cheaper than array calls for a few dozen improvements
        at += orphan
        lapse_at.append(at)
        at += 1
    still_orphaned = []
    for i in [i for i, orphan in enumerate(orphaned) if orphan]:
        project = projects[i]
        champion = turnover.take_over(model, project.home, float(draws[lapse_at[i] - 1]))
        if champion >= 0:
            project.champion = champion
            project.champion_holder = int(table.holder[champion])
            model.counts.add("champion_takeovers", project.home)
        else:
            still_orphaned.append(i)
    if still_orphaned:
        hazard = hazard.copy()  # the week's own: the fixed terms stay as they are
        hazard[still_orphaned] *= model.params.champion_loss_lapse
    return draws[lapse_at], hazard


def add_load(model: QICModel, columns: InPlaceColumns, hazard: np.ndarray) -> np.ndarray:
    """The hazards times the load's multiplier where it is above 1 (full loop), counting what load added."""
    under_load = load_multiplier(model)
    if under_load is None:
        return hazard
    factor = under_load[columns.home]
    loaded = (factor > 1.0).nonzero()[0]
    if not len(loaded):
        return hazard
    hazard = hazard.copy()  # the week's own: the fixed terms stay as they are
    before = np.minimum(1.0, hazard[loaded])
    hazard[loaded] *= factor[loaded]
    # One home's improvements in creation order, as the count was kept one improvement at a time.
    model.counts.add_many("lapse_hazard_from_load", columns.home[loaded], np.minimum(1.0, hazard[loaded]) - before)
    return hazard


def load_multiplier(model: QICModel) -> np.ndarray | None:
    """Each home's lapse-hazard multiplier from its load, ``1 + lapse_pressure x max(0, load - 1)``.

    Returns:
        One multiplier per home under the capability trap's full loop; None under firefighting
        (the hazard ignores load).
    """
    if model.structure.trap == "firefighting":
        return None
    return 1.0 + model.params.lapse_pressure * np.maximum(0.0, model.home_state.load - 1.0)

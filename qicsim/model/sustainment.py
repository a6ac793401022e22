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
    no champion, then its lapse draw: the week's draws are made at once (a take-over changes no
    other improvement's champion, so their number is known before any is used). The rest is a
    plain loop over the improvements, with what does not change from week to week worked out once
    (:func:`fixed_terms`): for a few dozen improvements that costs less than calls into NumPy.
    """
    in_place = model.home_state.in_place
    projects = model.open.in_place
    if not projects:
        in_place[:] = 0.0
        return
    projects = list(projects)  # a lapse leaves the list only at the week's end
    fixed = fixed_terms(model, model.open.in_place_columns())
    params = model.params
    share = params.support_lapse_share if model.supported else None
    under_load = load_multiplier(model)
    orphaned = [project for project in projects if project.champion < 0]
    draws = model.streams["sustainment"].random(len(projects) + len(orphaned)).tolist()
    at = 0  # the next draw
    lapsed = []
    for i, (project, hazard) in enumerate(zip(projects, fixed.hazard, strict=True)):
        if share is not None:
            hazard *= share
        if project.champion < 0:
            if not take_over(model, project, draws[at]):
                hazard *= params.champion_loss_lapse
            at += 1
        if under_load is not None and under_load[project.home] > 1.0:
            hazard = add_load(model, project.home, hazard, under_load[project.home])
        # A draw lies in [0, 1): below the hazard exactly when below the hazard capped at 1.
        if draws[at] < hazard:
            lapsed.append(i)
        at += 1
    in_place[:] = fixed.per_home
    for i in lapsed:
        model.open.move(projects[i], Stage.ABANDONED, model.week)
        model.counts.add("lapses", projects[i].home)
        in_place[projects[i].home] -= 1.0
    if model.week >= fixed.first_sustained:  # else none has been unsupported long enough
        for i, week in enumerate(fixed.sustained_from):
            if model.week >= week and projects[i].stage == Stage.IMPLEMENTED:
                model.open.move(projects[i], Stage.SUSTAINED, model.week)


class FixedTerms(NamedTuple):
    """What sustainment reads of the improvements in place that stays the same from week to week.

    Attributes:
        hazard: Each one's lapse hazard from alignment and data confirmation (before support,
            champion and load).
        per_home: Improvements in place per home (before any lapses).
        sustained_from: The first week in which each would count as sustained.
        first_sustained: The first of those weeks.
    """

    hazard: list[float]
    per_home: np.ndarray
    sustained_from: list[int]
    first_sustained: int


def fixed_terms(model: QICModel, columns: InPlaceColumns) -> FixedTerms:
    """:class:`FixedTerms` of the improvements in place, computed once for as long as they stay the same."""
    terms = columns.derived.get("sustainment")
    if terms is None:
        params = model.params
        hazards = []
        for alignment, confirmed in zip(columns.alignment, columns.data_confirmed, strict=True):
            hazard = params.lapse_per_week * (1.0 - params.alignment_lapse_protection * alignment)
            if confirmed:
                hazard *= 1.0 - params.data_confirmation_lapse_protection
            hazards.append(hazard)
        # In week w an improvement has been unsupported w + 1 - max(implemented, support weeks) weeks.
        support = model.support_weeks
        sustained_from = [(week if week > support else support) + params.sustain_weeks - 1
                          for week in columns.week_implemented]
        per_home = np.bincount(np.array(columns.home, dtype=np.intp), minlength=model.home_state.n)
        terms = columns.derived["sustainment"] = FixedTerms(
            hazards, per_home.astype(np.float64), sustained_from, min(sustained_from))
    return terms


def take_over(model: QICModel, project: Project, draw: float) -> bool:
    """A member of the home may take over an improvement without a champion (with its take-over draw).

    Returns:
        Whether someone took it over.
    """
    champion = turnover.take_over(model, project.home, draw)
    if champion < 0:
        return False
    project.champion = champion
    project.champion_holder = int(model.staff.holder[champion])
    model.counts.add("champion_takeovers", project.home)
    return True


def add_load(model: QICModel, home: int, hazard: float, factor: float) -> float:
    """The hazard times the load's multiplier (above 1; full loop), counting what load added to the capped hazard."""
    before = 1.0 if hazard > 1.0 else hazard
    hazard *= factor
    model.counts.add("lapse_hazard_from_load", home, (1.0 if hazard > 1.0 else hazard) - before)
    return hazard


def load_multiplier(model: QICModel) -> list[float] | None:
    """Each home's lapse-hazard multiplier from its load, ``1 + lapse_pressure x max(0, load - 1)``.

    Returns:
        One multiplier per home under the capability trap's full loop (a list: it is read one
        improvement at a time); None under firefighting (the hazard ignores load).
    """
    if model.structure.trap == "firefighting":
        return None
    pressure = model.params.lapse_pressure
    # max(0, load - 1) by a comparison: the builtin's call costs more than the arithmetic.
    return [1.0 + pressure * (load - 1.0 if load > 1.0 else 0.0) for load in model.home_state.load.tolist()]

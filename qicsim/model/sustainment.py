"""Process 9: implemented improvements are sustained or lapse, mainly after support ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qicsim.model import turnover
from qicsim.model.project import Stage

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def update_sustainment(model: QICModel) -> None:
    """Each improvement in place may lapse; one that lasts long enough unsupported is sustained.

    Weekly lapse chance: ``lapse_per_week``, times ``support_lapse_share`` during support,
    times ``1 - alignment_lapse_protection * alignment`` (C5: work that is part of routine
    lasts), times ``champion_loss_lapse`` while the improvement has no champion (staff
    continuity; docs/evidence.md, section 1, sustainment themes). A champion who left can
    be replaced by another member of the home.
    """
    p = model.p
    rng = model.rng
    for project in model.projects:
        if not project.in_place:
            continue
        if project.champion < 0:
            champion = turnover.try_takeover(model, project.home)
            if champion >= 0:
                project.champion = champion
                project.champion_uid = model.staff.agents[champion].unique_id
                model.counts.add("champion_takeovers", project.home)
        hazard = p.lapse_per_week * (1.0 - p.alignment_lapse_protection * project.alignment)
        if model.supported:
            hazard *= p.support_lapse_share
        if project.champion < 0:
            hazard *= p.champion_loss_lapse
        if rng.random() < min(1.0, hazard):
            project.move(Stage.ABANDONED, model.week)
            model.counts.add("lapses", project.home)
            continue
        unsupported = model.week + 1 - max(project.week_implemented, model.support_weeks)
        if project.stage == Stage.IMPLEMENTED and unsupported >= p.sustain_weeks:
            project.move(Stage.SUSTAINED, model.week)

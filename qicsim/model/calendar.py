"""The collaborative's calendar: which weeks hold local meetings and contact between members."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def is_meeting_week(model: QICModel) -> bool:
    """Local meetings run during support, every ``meeting_interval_weeks``, not in event weeks."""
    return (model.supported and model.week % model.structure.meeting_interval_weeks == 0
            and model.week not in model.event_weeks)


def is_contact_week(model: QICModel) -> bool:
    """Members pass improvements on along their ties every ``meeting_interval_weeks`` during support."""
    return model.supported and model.week % model.structure.meeting_interval_weeks == 0

"""Held-out validation: observations not used to set or fit the model, judged against the model.

Each target has its source, criterion, simulated value with its 90% interval, and pass or fail
(docs/validation.md).

Run it with ``qicsim-validate`` or :func:`validate`; :data:`TARGETS` lists the targets.
"""

from qicsim.studies.validation.check import ValidationReport, validate
from qicsim.studies.validation.targets import TARGETS, Target

__all__ = ["TARGETS", "Target", "ValidationReport", "validate"]

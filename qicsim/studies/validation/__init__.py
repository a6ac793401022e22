"""Held-out validation: observations not used to set or fit the model, judged against the model.

Each target has its source, criterion, simulated value with its 90% interval, and pass or fail
(docs/validation.md).

Run it with ``qicsim-validate`` or :func:`validate`; :data:`TARGETS` lists the targets.
"""

from typing import TYPE_CHECKING

from qicsim.lazy import lazy_getattr

# Imported on first use (PEP 562): the calibration's settings read the targets' table
# (qicsim.studies.validation.targets) to check a setting, and need neither the runner nor Mesa
# that the check imports; a bad setting is then refused in about a second.
_LAZY = {"ValidationReport": "qicsim.studies.validation.check", "validate": "qicsim.studies.validation.check",
         "TARGETS": "qicsim.studies.validation.targets", "Target": "qicsim.studies.validation.targets"}

if TYPE_CHECKING:
    from qicsim.studies.validation.check import ValidationReport, validate
    from qicsim.studies.validation.targets import TARGETS, Target

__all__ = ["TARGETS", "Target", "ValidationReport", "validate"]

__getattr__ = lazy_getattr(globals(), __name__, _LAZY)

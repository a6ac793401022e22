"""A designed sweep from end to end: run its jobs, collect its dataset, analyse it.

This package sits above :mod:`qicsim.studies.sweep` (designs, jobs, chunks, collection) and
:mod:`qicsim.studies.analysis` (which reads a collected sweep), and joins them; neither of those
imports it, so imports run one way: study -> analysis -> sweep.

Example::

    from qicsim.studies.end_to_end import run_sweep
    folder = run_sweep("context_factorial", ["run.replications=2"], workers=2)
"""

from typing import TYPE_CHECKING

from qicsim.lazy import lazy_getattr

# Imported on first use (PEP 562): Hydra instantiates this package's callback in every run,
# single runs included, and a single run needs neither the analyses nor the collector.
_LAZY = {"collect_and_analyse": "qicsim.studies.end_to_end.finish", "run_sweep": "qicsim.studies.end_to_end.run"}

if TYPE_CHECKING:
    from qicsim.studies.end_to_end.finish import collect_and_analyse
    from qicsim.studies.end_to_end.run import run_sweep

__all__ = ["collect_and_analyse", "run_sweep"]

__getattr__ = lazy_getattr(globals(), __name__, _LAZY)

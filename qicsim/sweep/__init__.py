"""Designed sweeps: plan a design, run it in chunked jobs, collect one dataset.

See docs/sweep-format.md for the folder a sweep writes, and the README section
"Sweeps and analysis" for the commands.
"""

from typing import Any

from qicsim.sweep.collect import collect, load_dataset

__all__ = ["collect", "load_dataset"]


def __getattr__(name: str) -> Any:
    """``qicsim.sweep.run_sweep``, for scripts written before it moved to :mod:`qicsim.study`.

    Nothing in this package imports qicsim.study (which imports the analyses, which import
    this package); only this alias reaches up, when it is asked for.
    """
    if name == "run_sweep":
        from qicsim.study import run_sweep

        return run_sweep
    raise AttributeError(f"module 'qicsim.sweep' has no attribute {name!r}")

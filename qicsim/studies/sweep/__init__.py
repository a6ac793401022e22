"""Designed sweeps: plan a design, run it in chunked jobs, collect one dataset.

See docs/sweep-format.md for the folder a sweep writes, and the README section
"Sweeps and analysis" for the commands.
"""

from qicsim.studies.sweep.collect import collect, load_dataset

__all__ = ["collect", "load_dataset"]


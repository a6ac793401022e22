"""The end of a sweep: collect the jobs' chunks into one dataset, then (optionally) analyse it."""

from __future__ import annotations

from pathlib import Path

from qicsim.studies.analysis import analyse
from qicsim.studies.sweep.collect import collect


def collect_and_analyse(folder: Path, analysis: bool = True) -> tuple[Path, Path | None]:
    """Collect a sweep folder and, if asked, write its analyses.

    Args:
        folder: The sweep folder.
        analysis: Whether to analyse the collected dataset.

    Returns:
        The dataset's path, and the analysis folder (None without analysis).

    Raises:
        QicsimError: For an incomplete sweep (``IncompleteSweep``), or data the analyses cannot use.
    """
    dataset = collect(folder)
    return dataset, analyse(folder) if analysis else None

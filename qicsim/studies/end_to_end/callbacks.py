"""Hydra callback: when a designed multirun ends, collect its dataset and run the analyses.

Hydra calls this in the launching process after every job has returned, whichever launcher
ran them (basic, joblib, or submitit waiting on Slurm).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from qicsim.errors import QicsimError, exit_with


class CollectWhenDone(Callback):
    """Collect (and analyse) a designed sweep at the end of its multirun."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Collect the sweep folder; exit non-zero, with one line, if it is incomplete."""
        sweep = config.sweep
        if sweep.design == "none" or not sweep.collect:
            return
        folder = Path(config.hydra.sweep.dir)
        try:
            # Imported here, not at the top: Hydra makes this callback in every run, and only
            # a designed multirun's end needs the collector and the analyses (Mesa, SciPy, ...).
            from qicsim.studies.end_to_end.finish import collect_and_analyse

            path, analysis = collect_and_analyse(folder, bool(sweep.analyse))
            print(f"qicsim: collected {path} (and {path.with_suffix('.csv').name})", flush=True)
            if analysis is not None:
                print(f"qicsim: analysis in {analysis / 'report.md'}", flush=True)
        except QicsimError as error:
            exit_with(error, "qicsim")

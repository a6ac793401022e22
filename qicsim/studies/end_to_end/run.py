"""Run a whole sweep from Python (no Hydra launcher): plan, jobs, collection, analysis.

This is the API path, for notebooks, tests and thin scripts in ``experiments/``. It runs
the same jobs as ``qicsim experiment=<name>`` and writes the same folder, so a sweep
started one way can be resumed the other.

Example::

    from qicsim.studies.end_to_end import run_sweep
    folder = run_sweep("context_factorial", ["run.replications=2"], workers=2)
"""

from __future__ import annotations

from pathlib import Path

from qicsim.config.loader import load_bases, load_config
from qicsim.config.sweep import folder_name
from qicsim.errors import ConfigError
from qicsim.lazy import needs_extra
from qicsim.run.progress import progress_bar
from qicsim.studies.end_to_end.finish import collect_and_analyse
from qicsim.studies.sweep.jobs import run_job
from qicsim.studies.sweep.plan import ensure_manifest, make_plan

SWEEPS_FOLDER = Path("results") / "sweeps"


def run_sweep(experiment: str | None = None, overrides: list[str] | None = None, folder: str | Path | None = None,
              workers: int = 1) -> Path:
    """Run (or resume) a designed sweep in this process or in ``workers`` local processes.

    Args:
        experiment: A config in ``configs/experiment`` (e.g. ``context_factorial``).
        overrides: Hydra-style overrides, e.g. ``["run.replications=2", "sweep.jobs=4"]``.
        folder: The sweep folder (default ``results/sweeps/<sweep.name>``).
        workers: Local processes (joblib); 1 runs the jobs here, one after another.

    Returns:
        The sweep folder, holding the dataset (and the analysis if ``sweep.analyse``).

    Raises:
        ConfigError: For bad input; :class:`qicsim.studies.sweep.collect.IncompleteSweep` if a job failed.
    """
    args = [*([f"experiment={experiment}"] if experiment else []), *(overrides or [])]
    config = load_config(args)
    if config.sweep.design == "none":
        raise ConfigError("sweep.design", "none: this config is not a designed sweep",
                          "an experiment (configs/experiment) or sweep.design=<a design>")
    if workers < 1:
        raise ConfigError("workers", f"{workers} is too few", "a whole number >= 1")
    bases = load_bases(config.sweep.bases, args) if config.sweep.bases else None
    name = folder_name(config.sweep.name, config.sweep.only)
    plan = make_plan(config, Path(folder) if folder else SWEEPS_FOLDER / name, bases)
    ensure_manifest(plan)
    jobs = range(plan.sweep.jobs)
    if workers == 1:
        with progress_bar(plan.n_points * plan.replications, plan.name) as bar:
            for job in jobs:
                run_job(plan, job, bar)
    else:
        with needs_extra("studies"):
            from joblib import delayed

        from qicsim.run.workers import Following, parallel  # the workers die with this process

        parallel(workers)(delayed(Following(run_job))(plan, job) for job in jobs)
    if config.sweep.collect:
        collect_and_analyse(plan.folder, config.sweep.analyse)
    return plan.folder

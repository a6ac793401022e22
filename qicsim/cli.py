"""The ``qicsim`` command: a thin Hydra entry point around plain functions.

Before Hydra runs, a single run's overrides are composed and validated (preflight) so that
bad input fails with one line and exit code 2, and no result folder is made. Inside the
Hydra job the config is validated again (for multirun jobs); on failure the job's folder,
which then holds only Hydra's own files, is removed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from qicsim.config.loader import CONFIG_NAME, compose_in_job, config_dir, load_config, register_schema, to_config
from qicsim.config.schema import Config
from qicsim.errors import ConfigError
from qicsim.output import summary, write_results
from qicsim.runner import simulate
from qicsim.sweep.jobs import run_job as run_job_chunk
from qicsim.sweep.plan import make_plan

EXIT_BAD_INPUT = 2


def fail(error: ConfigError) -> None:
    """Print a one-line error and exit with code 2."""
    print(f"qicsim: error: {error}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def run_job(cfg: DictConfig) -> None:
    """The Hydra task: validate, then run one chunk of a designed sweep, or simulate and write."""
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        config = to_config(cfg)
        if config.sweep.design != "none":
            run_sweep_job(config)
            return
    except ConfigError as error:
        remove_incomplete(out)
        fail(error)
    results = simulate(config)
    write_results(results, out)
    print(summary(results, out))


def run_sweep_job(config: Config) -> None:
    """Run this job's chunk of a designed sweep into the multirun's sweep folder."""
    hydra_cfg = HydraConfig.get()
    folder = Path(hydra_cfg.runtime.cwd) / hydra_cfg.sweep.dir
    bases = {name: compose_in_job(name) for name in config.sweep.bases}
    plan = make_plan(config, folder, bases or None)
    report = run_job_chunk(plan, config.sweep.job)
    print(f"qicsim: {plan.name} job {report.job + 1}/{plan.sweep.jobs}: {report.status}, {report.runs} runs"
          f" in {report.seconds:.1f} s", flush=True)


def remove_incomplete(folder: Path) -> None:
    """Remove a job folder that holds nothing but Hydra's own files."""
    own = {".hydra", f"{Path(sys.argv[0]).stem}.log", "cli.log", "qicsim.log"}
    if folder.is_dir() and all(p.name in own for p in folder.iterdir()):
        shutil.rmtree(folder, ignore_errors=True)


def single_run_overrides(args: list[str]) -> list[str] | None:
    """The overrides to preflight, or None when Hydra flags (help, multirun, ...) are given."""
    if any(a.startswith("-") for a in args):
        return None
    return [a for a in args if not a.startswith(("hydra.", "hydra/", "+hydra", "~hydra"))]


def main() -> None:
    """Console entry point ``qicsim``."""
    try:
        overrides = single_run_overrides(sys.argv[1:])
        if overrides is not None:
            load_config(overrides)
        path = config_dir()
    except ConfigError as error:
        fail(error)
    register_schema()
    hydra.main(version_base="1.3", config_path=str(path), config_name=CONFIG_NAME)(run_job)()


if __name__ == "__main__":
    main()

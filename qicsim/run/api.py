"""The plain Python API: run a scenario and get tables back.

Example::

    import qicsim
    results = qicsim.run("peach", replications=50, seed=1)
    results.runs["implemented"].describe()
    no_time = qicsim.run("peach", overrides=["contexts.protected_time.intensity=0"])
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qicsim.config.loader import load_config
from qicsim.config.schema import Config

if TYPE_CHECKING:
    from qicsim.run.results import Results


def scenario_config(scenario: str = "peach", overrides: list[str] | None = None,
           replications: int | None = None, seed: int | None = None) -> Config:
    """Compose and validate a config as the command line would.

    Args:
        scenario: A scenario in ``configs/scenario``.
        overrides: Hydra-style overrides, e.g. ``["parameters.voice_prob=0.3"]``.
        replications: Replications (default: the config's, 20).
        seed: Master seed (default: the config's).

    Returns:
        The validated config.

    Raises:
        ConfigError: For bad input, with a one-line message.
    """
    args = [f"scenario={scenario}", *(overrides or [])]
    if replications is not None:
        args.append(f"run.replications={replications}")
    if seed is not None:
        args.append(f"run.seed={seed}")
    return load_config(args)


def run(scenario: str = "peach", overrides: list[str] | None = None,
        replications: int | None = None, seed: int | None = None,
        output: str | Path | None = None) -> Results:
    """Run a scenario's replications in this process.

    Args:
        scenario: A scenario in ``configs/scenario``.
        overrides: Hydra-style overrides.
        replications: Replications (default: the config's, 20).
        seed: Master seed (default: the config's).
        output: If given, a new or empty folder to write the tables, figure and provenance to
            (as the command does: a batch of replications at a time); the tables are then
            read back from it.

    Returns:
        The tables of all replications.

    Raises:
        ConfigError: For a bad setting. DataError: For an output folder that holds a result,
            cannot be written, or another command is writing into.
    """
    from qicsim.config.changes import result_changes
    from qicsim.run.output import write_run  # the simulation's imports, only when a run is asked for
    from qicsim.run.runner import simulate

    checked = scenario_config(scenario, overrides, replications, seed)
    if output is None:
        return simulate(checked)
    # the same files as the command writes, read back
    return write_run(checked, Path(output), changes=result_changes(overrides or [])).held()

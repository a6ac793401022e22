"""The plain Python API: run a scenario and get tables back.

Example::

    import qicsim
    results = qicsim.run("peach", replications=50, seed=1)
    results.runs["implemented"].describe()
    no_time = qicsim.run("peach", overrides=["contexts.protected_time.intensity=0"])
"""

from __future__ import annotations

from pathlib import Path

from qicsim.config.loader import load_config
from qicsim.config.schema import Config
from qicsim.output import write_results
from qicsim.runner import Results, simulate


def config(scenario: str = "peach", overrides: list[str] | None = None,
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
        output: If given, a folder to write the tables, figure and provenance to.

    Returns:
        The tables of all replications.
    """
    results = simulate(config(scenario, overrides, replications, seed))
    if output is not None:
        write_results(results, Path(output))
    return results

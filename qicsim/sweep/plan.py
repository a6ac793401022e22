"""A sweep's plan: its design, base settings and fingerprint, and the manifest that records them.

The manifest (``design.json``) is written into the sweep folder by the first job that
runs. Every later job, and every restart, checks that the folder's fingerprint is its own:
a folder that holds another sweep is never mixed into this one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import qicsim
from qicsim.config.schema import Config
from qicsim.config.sweep import SweepSettings
from qicsim.errors import ConfigError
from qicsim.output import atomic_write
from qicsim.runner import model_kwargs
from qicsim.sweep.design import Factor, build_design, chunk_points, factors_of

FORMAT = "qicsim-sweep/1"
MANIFEST = "design.json"
DESIGN_TABLE = "design.csv"


@dataclass
class Plan:
    """Everything a job needs to run its chunk, and the collector to check the whole.

    Attributes:
        folder: The sweep folder.
        sweep: The sweep settings.
        factors: The design's factors.
        design: The design table (``point``, ``base``, ``label``, factors or ``removed``).
        base_kwargs: Model keyword arguments of each base scenario.
        replications: Replications per point.
        master_seed: The master seed.
        config: The job's config as a plain dict.
        fingerprint: SHA-256 of what fixes the dataset.
    """

    folder: Path
    sweep: SweepSettings
    factors: tuple[Factor, ...]
    design: pd.DataFrame
    base_kwargs: dict[str, dict[str, Any]]
    replications: int
    master_seed: int
    config: dict[str, Any]
    fingerprint: str

    @property
    def name(self) -> str:
        """The sweep's name."""
        return self.sweep.name

    @property
    def n_points(self) -> int:
        """Number of design points."""
        return len(self.design)

    def points_of(self, job: int) -> range:
        """The points job ``job`` runs."""
        return chunk_points(self.n_points, self.sweep.jobs, job)

    def manifest(self) -> dict[str, Any]:
        """The contents of ``design.json`` (see docs/sweep-format.md)."""
        return {
            "format": FORMAT,
            "name": self.name,
            "design": self.sweep.design,
            "fingerprint": self.fingerprint,
            "factors": [f.as_dict(self.sweep.design) for f in self.factors],
            "settings": design_settings(self.sweep),
            "points": self.n_points,
            "replications": self.replications,
            "master_seed": self.master_seed,
            "jobs": self.sweep.jobs,
            "config": self.config,
            "qicsim_version": qicsim.__version__,
        }


def design_settings(sweep: SweepSettings) -> dict[str, Any]:
    """The settings that shape the design (not the job index, nor what to do after)."""
    return {"morris_levels": sweep.morris_levels, "morris_trajectories": sweep.morris_trajectories,
            "sobol_base_samples": sweep.sobol_base_samples, "sobol_second_order": sweep.sobol_second_order,
            "bases": list(sweep.bases), "jobs": sweep.jobs}


def make_plan(config: Config, folder: Path, bases: dict[str, Config] | None = None) -> Plan:
    """Build the plan of a validated sweep config.

    Args:
        config: The job's config (``config.sweep.design`` is not ``none``).
        folder: The sweep folder.
        bases: For ``one_at_a_time``: each base scenario's composed config; else the job's
            own config is the only base.

    Returns:
        The plan.
    """
    sweep = config.sweep
    bases = bases or {config.scenario: config}
    missing = [b for b in sweep.bases if b not in bases]
    if missing:
        raise ConfigError("sweep.bases", f"no config composed for {missing[0]!r}", "scenarios in configs/scenario")
    design = build_design(sweep, config.scenario, config.run.seed)
    base_kwargs = {name: model_kwargs(c) for name, c in bases.items() if name in set(design["base"])}
    factors = factors_of(sweep)
    identity = {
        "format": FORMAT, "design": sweep.design, "factors": [f.as_dict(sweep.design) for f in factors],
        "settings": design_settings(sweep), "bases": base_kwargs, "replications": config.run.replications,
        "master_seed": config.run.seed, "qicsim_version": qicsim.__version__,
    }
    fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()
    plain = asdict(config)
    return Plan(folder, sweep, factors, design, base_kwargs, config.run.replications, config.run.seed,
                plain, fingerprint)


def read_manifest(folder: Path) -> dict[str, Any]:
    """Read and check a sweep folder's ``design.json``.

    Raises:
        ConfigError: If the folder or manifest is missing or the manifest is corrupt.
    """
    path = folder / MANIFEST
    if not folder.is_dir():
        raise ConfigError(str(folder), "no such sweep folder", "a folder written by a qicsim sweep")
    if not path.is_file():
        raise ConfigError(str(path), "missing: no job of this sweep has started", "a folder written by a qicsim sweep")
    try:
        manifest = json.loads(path.read_text())
        ok = manifest.get("format") == FORMAT and all(
            isinstance(manifest.get(k), int) for k in ("points", "replications", "jobs", "master_seed"))
    except (ValueError, AttributeError, OSError):
        ok = False
    if not ok:
        raise ConfigError(str(path), "corrupt or not a qicsim sweep manifest", f"a {FORMAT} manifest")
    return manifest


def ensure_manifest(plan: Plan) -> None:
    """Write the manifest and design table if absent; refuse a folder that holds another sweep.

    Raises:
        ConfigError: If the folder's manifest has another fingerprint.
    """
    path = plan.folder / MANIFEST
    if path.is_file():
        try:
            theirs = read_manifest(plan.folder)
        except ConfigError as error:
            raise ConfigError(str(path), "corrupt manifest: not used",
                              "remove the sweep folder to start again, or choose another sweep.name") from error
        if theirs["fingerprint"] != plan.fingerprint:
            raise ConfigError(
                "sweep.name", f"{plan.folder} holds another sweep (fingerprint {theirs['fingerprint'][:12]}, "
                f"this one {plan.fingerprint[:12]})", "a new sweep.name, or remove that folder to start again")
        return
    plan.folder.mkdir(parents=True, exist_ok=True)
    atomic_write(plan.folder / DESIGN_TABLE, lambda p: plan.design.to_csv(p, index=False))
    atomic_write(path, lambda p: p.write_text(json.dumps(plan.manifest(), indent=2, default=str)))

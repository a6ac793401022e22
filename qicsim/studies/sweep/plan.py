"""A sweep's plan: its design, base settings and fingerprint, and the manifest that records them.

The manifest (``design.json``) is written into the sweep folder by the first job that
runs. Every later job, and every restart, checks that the folder's fingerprint is its own:
a folder that holds another sweep is never mixed into this one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from qicsim.config.ensemble import Ensemble, describe, maybe_load
from qicsim.config.schema import Config
from qicsim.config.sweep import SweepSettings, folder_name
from qicsim.errors import ConfigError, DataError
from qicsim.model.parameters import omit_later_settings
from qicsim.run.folders import atomic_write
from qicsim.run.runner import model_kwargs
from qicsim.studies.sweep.design import Factor, build_design, chunk_points, factors_of
from qicsim.studies.sweep.ensemble_draws import EnsembleDraws, draw_sets

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
        ensemble: The ensemble each replication draws its parameters from (``run.ensemble``), or None.
        ensemble_sets: The parameter sets the design is crossed with (``sweep.ensemble``), or None.
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
    ensemble: Ensemble | None = None
    ensemble_sets: EnsembleDraws | None = None

    @property
    def ensemble_parameters(self) -> tuple[str, ...]:
        """The parameters each point's ensemble set holds (none without crossed sets)."""
        return self.ensemble_sets.parameters if self.ensemble_sets else ()

    @property
    def name(self) -> str:
        """The sweep's name, that of its folder (a subset of a design has its own)."""
        return folder_name(self.sweep.name, self.sweep.only)

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
            "qicsim_version": metadata.version("qicsim"),
            **({"ensemble": describe(self.ensemble)} if self.ensemble is not None else {}),
            **({"ensemble_sets": self.ensemble_sets.manifest()} if self.ensemble_sets else {}),
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
    sets = None
    if sweep.ensemble_draws:  # a factor of the design wins over the ensemble's value of the same parameter
        if config.run.ensemble is not None:
            raise ConfigError("sweep.ensemble", "set together with run.ensemble",
                              "one of them: run.ensemble (each replication draws a set) or sweep.ensemble "
                              "(every point under each of sweep.ensemble_draws sets)")
        sets = draw_sets(sweep.ensemble, sweep.ensemble_draws, config.run.seed).without(
            {f.name for f in factors_of(sweep)})
    design = build_design(sweep, config.scenario, config.run.seed, sets.table if sets else None)
    # Never more jobs than points: a job without points is a Hydra process for nothing.
    sweep = dataclasses.replace(sweep, jobs=min(sweep.jobs, len(design)))
    base_kwargs = {name: model_kwargs(c) for name, c in bases.items() if name in set(design["base"])}
    factors = factors_of(sweep)
    identity = {
        "format": FORMAT, "design": sweep.design, "factors": [f.as_dict(sweep.design) for f in factors],
        "settings": design_settings(sweep),
        "bases": {name: omit_later_settings(kwargs) for name, kwargs in base_kwargs.items()},
        "replications": config.run.replications,
        "master_seed": config.run.seed, "qicsim_version": metadata.version("qicsim"),
        **({"ensemble_sets": sets.manifest()} if sets else {}),
    }
    ensemble = maybe_load(config.run.ensemble)
    if ensemble is not None:  # only then: the fingerprints of sweeps without one stay as they were
        identity["ensemble_sha256"] = ensemble.sha256
    fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()
    plain = asdict(config)
    return Plan(folder, sweep, factors, design, base_kwargs, config.run.replications, config.run.seed,
                plain, fingerprint, ensemble, sets)


# What the collector and the analyses read from design.json: key -> (check, what is allowed).
MANIFEST_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "name": (lambda v: isinstance(v, str) and bool(v), "a sweep name"),
    "design": (lambda v: isinstance(v, str) and bool(v), "a design name"),
    "fingerprint": (lambda v: isinstance(v, str) and len(v) == 64, "a SHA-256 hex digest"),
    "factors": (lambda v: isinstance(v, list), "a list of factors"),
    "points": (lambda v: _whole(v) and v >= 1, "a whole number >= 1"),
    "replications": (lambda v: _whole(v) and v >= 1, "a whole number >= 1"),
    "jobs": (lambda v: _whole(v) and v >= 1, "a whole number >= 1"),
    "master_seed": (lambda v: _whole(v) and v >= 0, "a whole number >= 0"),
}


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read_manifest(folder: Path) -> dict[str, Any]:
    """Read and check a sweep folder's ``design.json``, field by field.

    Raises:
        DataError: If the folder or manifest is missing, or the manifest is corrupt or
            hand-edited into something the collector cannot use (naming the field).
    """
    path = folder / MANIFEST
    if not folder.is_dir():
        raise DataError(str(folder), "no such sweep folder", "a folder written by a qicsim sweep")
    if not path.is_file():
        raise DataError(str(path), "missing: no job of this sweep has started", "a folder written by a qicsim sweep")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise DataError(str(path), f"corrupt or not a qicsim sweep manifest ({type(exc).__name__})",
                        f"a {FORMAT} manifest") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DataError(str(path), "corrupt or not a qicsim sweep manifest", f"a {FORMAT} manifest")
    for key, (ok, allowed) in MANIFEST_FIELDS.items():
        if not ok(manifest.get(key)):
            raise DataError(f"{path} ({key})", f"{manifest.get(key)!r} is not usable", f"{allowed}, as qicsim wrote it")
    return manifest


def check_folder(plan: Plan) -> None:
    """Refuse, before anything is written, a sweep folder that holds another sweep.

    Raises:
        DataError: If the folder's manifest is corrupt.
        ConfigError: If the folder's manifest has another fingerprint.
    """
    path = plan.folder / MANIFEST
    if not path.exists():
        return
    try:
        theirs = read_manifest(plan.folder)
    except DataError as error:
        raise DataError(str(path), "corrupt manifest: not used",
                        "remove the sweep folder to start again, or choose another sweep.name") from error
    if theirs["fingerprint"] != plan.fingerprint:
        raise ConfigError(
            "sweep.name", f"{plan.folder} holds another sweep (fingerprint {theirs['fingerprint'][:12]}, "
            f"this one {plan.fingerprint[:12]})", "a new sweep.name, or remove that folder to start again")


def ensure_manifest(plan: Plan) -> None:
    """Write the manifest and design table if absent; refuse a folder that holds another sweep.

    Raises:
        DataError: If the folder's manifest is corrupt.
        ConfigError: If the folder's manifest has another fingerprint.
    """
    check_folder(plan)
    if (plan.folder / MANIFEST).is_file():
        return
    plan.folder.mkdir(parents=True, exist_ok=True)
    atomic_write(plan.folder / DESIGN_TABLE, lambda p: plan.design.to_csv(p, index=False))
    atomic_write(plan.folder / MANIFEST, lambda p: p.write_text(json.dumps(plan.manifest(), indent=2, default=str)))

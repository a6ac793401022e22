"""Settings of a calibration across programmes with model selection (issue 21): a YAML file checked against a schema.

A file in ``configs/calibration/`` with a ``structures`` list is such a calibration (the others are
single-programme calibrations, :mod:`qicsim.studies.calibration.settings`). It names the rival
structures (presets in ``configs/structure``), the targets (ids in ``targets_programmes.yaml``), the
priors, the distance and the stop rule. As for every config: OmegaConf merges the file and
``key=value`` overrides into the dataclass (unknown keys and wrong types refused), then
:func:`validate` checks ranges and cross-field rules; every problem is one ConfigError line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import yaml
from omegaconf import MISSING, DictConfig, OmegaConf

from qicsim.config.names import check_plain_name
from qicsim.config.schema import DEFAULT_SEED
from qicsim.errors import ConfigError
from qicsim.model.parameters import check_number
from qicsim.studies.calibration.programme_targets import ProgrammeTarget, load_table
from qicsim.studies.calibration.settings import (
    PARAMETER_FIELDS,
    SAMPLERS,
    Prior,
    _at_least,
    read_structured,
    settings_files,
    settings_path,
)

DISTANCES = ("adaptive", "scaled")
MIN_PRIORS = 12  # issue 21, item 5: at least 12 assumed parameters in the fit


@dataclass
class SelectionSettings:
    """Everything that fixes a calibration across programmes (configs/calibration/programmes.yaml explains each)."""

    name: str = MISSING
    description: str = ""
    structures: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    seed: int = DEFAULT_SEED
    population: int = 1000
    replications: int = 1
    distance: str = "adaptive"
    distance_p: float = 2.0
    epsilon_alpha: float = 0.5
    defensive_share: float = 0.2
    min_generations: int = 3
    max_generations: int = 20
    quantile_change: float = 0.05
    probability_change: float = 0.05
    min_acceptance: float = 0.01
    max_minutes: float = 120.0
    max_simulations: int = 0
    sampler: str = "multicore"
    n_procs: int = 2
    batch_size: int = 16
    dask_scheduler: str = ""
    ensemble_size: int = 1000
    predictive_particles: int = 100
    ship_as: Optional[str] = None  # noqa: UP045 - OmegaConf 2.3 does not read "str | None"
    priors: dict[str, Prior] = field(default_factory=dict)
    synthetic: dict[str, float] = field(default_factory=dict)  # recovery only: observations replacing the table's


def is_selection(name_or_path: str) -> bool:
    """Whether a calibration file is one across programmes (it, or a file it extends, names ``structures``).

    False if it cannot be read.
    """
    try:
        files = settings_files(settings_path(name_or_path))
    except (OSError, ValueError, yaml.YAMLError):  # ConfigError is a ValueError
        return False
    return any(isinstance(data, DictConfig) and "structures" in data for data in files)


def load_selection(name_or_path: str, overrides: list[str] | None = None) -> SelectionSettings:
    """Read a calibration-across-programmes file, apply ``key=value`` overrides, and validate.

    Raises:
        ConfigError: For a missing file, an unknown key, a wrong type or a value not allowed.
    """
    return validate(read_structured(SelectionSettings, name_or_path, overrides))


def structure_names() -> list[str]:
    """The structure presets in ``configs/structure``."""
    from qicsim.config.paths import config_dir

    return sorted(p.stem for p in (config_dir() / "structure").glob("*.yaml"))


def validate(settings: SelectionSettings) -> SelectionSettings:
    """Check ranges and rules; return the settings.

    Raises:
        ConfigError: On the first setting not allowed.
    """
    s = settings
    check_plain_name("calibration.name", s.name)
    if s.ship_as is not None:
        check_plain_name("calibration.ship_as", s.ship_as)
    for key, low, allowed in (("population", 2, "a whole number >= 2"), ("replications", 1, "a whole number >= 1"),
                              ("min_generations", 1, "a whole number >= 1"), ("n_procs", 1, "a whole number >= 1"),
                              ("max_generations", 1, "a whole number >= 1"), ("batch_size", 1, "a whole number >= 1"),
                              ("max_simulations", 0, "a whole number >= 0 (0: no cap)"), ("seed", 0, ">= 0"),
                              ("ensemble_size", 1, "a whole number >= 1"), ("distance_p", 1, "a number >= 1"),
                              ("predictive_particles", 1, "a whole number >= 1"),
                              ("quantile_change", 0, "a number >= 0"), ("probability_change", 0, "a number >= 0"),
                              ("min_acceptance", 0, "a number >= 0"), ("max_minutes", 0.1, "a number >= 0.1")):
        _at_least(key, getattr(s, key), low, allowed)
    if s.min_generations > s.max_generations:
        raise ConfigError("calibration.min_generations", f"{s.min_generations} is above max_generations "
                          f"{s.max_generations}", "min_generations <= max_generations")
    if not 0 <= s.defensive_share < 1:
        raise ConfigError("calibration.defensive_share", f"{s.defensive_share} is out of range",
                          "a number in [0, 1) (0: pyabc's kernel estimate alone)")
    if not 0 < s.epsilon_alpha <= 1:
        raise ConfigError("calibration.epsilon_alpha", f"{s.epsilon_alpha} is out of range", "a number in (0, 1]")
    if s.distance not in DISTANCES:
        raise ConfigError("calibration.distance", f"{s.distance!r} is not a distance", " or ".join(DISTANCES))
    samplers = tuple(x for x in SAMPLERS if x != "batched")  # the batched sampler serves one model
    if s.sampler not in samplers:
        raise ConfigError("calibration.sampler", f"{s.sampler!r} is not a sampler here",
                          f"one of {', '.join(samplers)}")
    if s.sampler == "dask" and not s.dask_scheduler:
        raise ConfigError("calibration.dask_scheduler", "empty with sampler=dask",
                          "the address of a running Dask scheduler, e.g. tcp://head-node:8786")
    known = structure_names()
    if len(s.structures) < 2 or len(set(s.structures)) != len(s.structures):
        raise ConfigError("calibration.structures", f"{s.structures!r}: fewer than two, or one named twice",
                          f"two or more different presets of configs/structure: {', '.join(known)}")
    for name in s.structures:
        if name not in known:
            raise ConfigError("calibration.structures", f"{name!r} is not a structure preset", ", ".join(known))
    targets = selection_targets(s)  # every id known and usable
    keys = {key for t in targets for key in t.statistic_keys()}
    for key, value in s.synthetic.items():
        if key not in keys:
            raise ConfigError(f"calibration.synthetic.{key}", "not a statistic of the targets", ", ".join(sorted(keys)))
        _at_least(f"synthetic.{key}", value, -math.inf, "a finite number")
    if len(s.priors) < 1:
        raise ConfigError("calibration.priors", "no parameter to calibrate", "parameters with lo, hi")
    for name, prior in s.priors.items():
        if name not in PARAMETER_FIELDS:
            raise ConfigError(f"calibration.priors.{name}", "not a numeric parameter",
                              "numeric fields of parameters (docs/parameters.md)")
        for end in ("lo", "hi"):
            check_number(f"calibration.priors.{name}.{end}", getattr(prior, end), PARAMETER_FIELDS[name].metadata)
        if not prior.lo < prior.hi:
            raise ConfigError(f"calibration.priors.{name}", f"lo {prior.lo:g} is not below hi {prior.hi:g}", "lo < hi")
    return s


def selection_targets(settings: SelectionSettings) -> tuple[ProgrammeTarget, ...]:
    """The settings' targets from the table, in the settings' order.

    Raises:
        ConfigError: For no target, an id not in the table, or a target that cannot enter a fit.
    """
    table = {t.id: t for t in load_table().targets}
    if not settings.targets:
        raise ConfigError("calibration.targets", "no target", "ids of usable targets in targets_programmes.yaml")
    out = []
    for target_id in settings.targets:
        target = table.get(target_id)
        if target is None:
            raise ConfigError("calibration.targets", f"{target_id!r} is not in targets_programmes.yaml",
                              "ids of its targets (docs/calibration_targets.md)")
        if not target.usable:
            raise ConfigError("calibration.targets", f"{target_id} is {target.status}", "a usable target")
        out.append(target)
    return tuple(out)


def as_plain(settings: SelectionSettings) -> dict[str, Any]:
    """The settings as plain data (for the record and the fingerprint)."""
    return OmegaConf.to_container(OmegaConf.structured(settings), resolve=True)  # type: ignore[return-value]


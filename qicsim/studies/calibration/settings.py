"""A calibration's settings: a YAML file in ``configs/calibration/`` checked against a typed schema.

The same style as the run's config: OmegaConf merges the file and ``key=value`` overrides
into these dataclasses (unknown keys and wrong types refused), then :func:`validate` checks
ranges and cross-field rules; every problem is one :class:`qicsim.errors.ConfigError` line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Optional, TypeVar

import yaml
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from qicsim.config.names import check_plain_name
from qicsim.config.schema import DEFAULT_SEED
from qicsim.errors import ConfigError
from qicsim.model.parameters import Parameters, check_number
from qicsim.studies.calibration.targets import HELD_OUT, STATISTICS

T = TypeVar("T")
FOLDER = "calibration"  # configs/calibration/<name>.yaml
SAMPLERS = ("multicore", "single", "batched", "dask")


@dataclass
class Prior:
    """A uniform prior over ``[lo, hi]``, and where that range comes from (often itself an assumption)."""

    lo: float = MISSING
    hi: float = MISSING
    range_source: str = MISSING


@dataclass
class Target:
    """A pattern made quantitative: the statistic should lie within ``tolerance`` of ``value``."""

    value: float = MISSING
    tolerance: float = MISSING
    source: str = MISSING


@dataclass
class CalibrationSettings:
    """Everything that fixes a calibration (see configs/calibration/peach.yaml for the meaning of each)."""

    name: str = MISSING
    description: str = ""
    scenario: str = "peach"
    overrides: list[str] = field(default_factory=list)
    seed: int = DEFAULT_SEED
    population: int = 200
    generations: int = 8
    replications: int = 3
    epsilon_alpha: float = 0.5
    epsilon_floor: float = 1.0
    generations_at_floor: int = 1
    max_minutes: float = 30.0
    max_simulations: int = 0
    sampler: str = "multicore"
    n_procs: int = 2
    batch_size: int = 64
    dask_scheduler: str = ""
    predictive_particles: int = 40
    predictive_replications: int = 5
    ship_as: Optional[str] = None  # noqa: UP045 - OmegaConf 2.3 does not read "str | None"
    priors: dict[str, Prior] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)


PARAMETER_FIELDS = {f.name: f for f in fields(Parameters) if "lo" in f.metadata and not f.metadata.get("choices")
                    and not callable(f.default_factory)}


def settings_path(name_or_path: str) -> Path:
    """``configs/calibration/<name>.yaml`` for a bare name, else the path given."""
    if "/" in name_or_path or name_or_path.endswith((".yaml", ".yml")):
        return Path(name_or_path)
    from qicsim.config.loader import config_dir

    return config_dir() / FOLDER / f"{name_or_path}.yaml"


EXTENDS = "extends"
"""A calibration file's key naming the calibration (in configs/calibration) whose settings it starts from."""


def settings_files(path: Path) -> list[Any]:
    """A calibration file's settings, after those of the file it ``extends`` (and so on), each without the key.

    A key the file sets replaces the base's (a list whole), so a variant states only what differs.

    Raises:
        ConfigError: For a base that does not exist or a chain that comes back to a file.
    """
    chain: list[Any] = []
    seen: set[Path] = set()
    while True:
        seen.add(path.resolve())
        data = OmegaConf.load(path)
        base = data.pop(EXTENDS, None) if isinstance(data, DictConfig) else None
        chain.insert(0, data)
        if base is None:
            return chain
        path = settings_path(str(base))
        if not path.is_file():
            raise ConfigError(f"calibration.{EXTENDS}", f"{base!r}: {path} does not exist",
                              "a name in configs/calibration")
        if path.resolve() in seen:
            raise ConfigError(f"calibration.{EXTENDS}", f"{base!r} extends itself through the chain",
                              "a chain of calibrations that ends")


def load_settings(name_or_path: str, overrides: list[str] | None = None) -> CalibrationSettings:
    """Read a calibration's YAML file, apply ``key=value`` overrides, and validate.

    Args:
        name_or_path: A name in ``configs/calibration`` or a YAML path.
        overrides: Dotted ``key=value`` overrides, e.g. ``["population=50"]``.

    Returns:
        The validated settings.

    Raises:
        ConfigError: For a missing file, an unknown key, a wrong type or a value not allowed.
    """
    settings = read_structured(CalibrationSettings, name_or_path, overrides)
    return validate(settings)


def read_structured(schema: type[T], name_or_path: str, overrides: list[str] | None = None) -> T:
    """A calibration file and ``key=value`` overrides merged into a schema's dataclass (not yet validated).

    Raises:
        ConfigError: For a missing file, an unknown key or a wrong type (one line naming it).
    """
    path = settings_path(name_or_path)
    if not path.is_file():
        raise ConfigError("calibration", f"{path} does not exist", "a name in configs/calibration or a YAML path")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(schema), *settings_files(path),
                                 OmegaConf.from_dotlist(list(overrides or [])))
        settings = OmegaConf.to_object(merged)
    except ConfigError:  # a file's `extends` (settings_files): already one line naming the setting
        raise
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or "calibration"
        raise ConfigError(f"calibration.{key}", str(exc).splitlines()[0],
                          f"keys and types of {schema.__module__}.{schema.__name__}") from exc
    except (ValueError, OSError, yaml.YAMLError) as exc:  # YAML syntax, a dotlist without '='
        raise ConfigError("calibration", f"{path} or an override cannot be read: {str(exc).splitlines()[0]}",
                          "YAML and key=value overrides") from exc
    assert isinstance(settings, schema)
    return settings


def _at_least(key: str, value: Any, low: float, allowed: str) -> None:
    if not math.isfinite(value):  # NaN compares false with everything: it would pass "< low"
        raise ConfigError(f"calibration.{key}", f"{value!r} is not a finite number", allowed)
    if value < low:
        raise ConfigError(f"calibration.{key}", f"{value!r} is too small", allowed)


def validate(settings: CalibrationSettings) -> CalibrationSettings:
    """Check ranges and rules; return the settings.

    Raises:
        ConfigError: On the first setting not allowed.
    """
    s = settings
    # The calibration's folder (<results-dir>/<name>) and the shipped ensemble (<configs>/ensemble/<ship_as>.csv):
    # plain names, so that neither can lead out of its folder.
    check_plain_name("calibration.name", s.name)
    if s.ship_as is not None:
        check_plain_name("calibration.ship_as", s.ship_as)
    for key, low, allowed in (("population", 2, "a whole number >= 2"), ("generations", 1, "a whole number >= 1"),
                              ("replications", 1, "a whole number >= 1"),
                              ("generations_at_floor", 1, "a whole number >= 1"), ("n_procs", 1, "a whole number >= 1"),
                              ("batch_size", 1, "a whole number >= 1"),
                              ("max_simulations", 0, "a whole number >= 0 (0: no cap)"), ("seed", 0, ">= 0"),
                              ("predictive_particles", 1, ">= 1"), ("predictive_replications", 1, ">= 1"),
                              ("epsilon_floor", 0, "a number >= 0"), ("max_minutes", 0.1, "a number >= 0.1")):
        _at_least(key, getattr(s, key), low, allowed)
    if not 0 < s.epsilon_alpha <= 1:
        raise ConfigError("calibration.epsilon_alpha", f"{s.epsilon_alpha} is out of range", "a number in (0, 1]")
    if s.sampler not in SAMPLERS:
        raise ConfigError("calibration.sampler", f"{s.sampler!r} is not a sampler", f"one of {', '.join(SAMPLERS)}")
    if s.sampler == "dask" and not s.dask_scheduler:
        raise ConfigError("calibration.dask_scheduler", "empty with sampler=dask",
                          "the address of a running Dask scheduler, e.g. tcp://head-node:8786")
    if not s.priors:
        raise ConfigError("calibration.priors", "no parameter to calibrate", "at least one parameter with lo, hi")
    for name, prior in s.priors.items():
        if name not in PARAMETER_FIELDS:
            raise ConfigError(f"calibration.priors.{name}", "not a numeric parameter",
                              "numeric fields of parameters (docs/parameters.md)")
        for end in ("lo", "hi"):
            check_number(f"calibration.priors.{name}.{end}", getattr(prior, end), PARAMETER_FIELDS[name].metadata)
        if not prior.lo < prior.hi:
            raise ConfigError(f"calibration.priors.{name}", f"lo {prior.lo:g} is not below hi {prior.hi:g}",
                              "lo < hi")
    if not s.targets:
        raise ConfigError("calibration.targets", "no target", f"some of {', '.join(STATISTICS)}")
    for name, target in s.targets.items():
        if name in HELD_OUT:
            raise ConfigError(f"calibration.targets.{name}", "held out for validation (issue 12, item 4)",
                              f"one of {', '.join(STATISTICS)}")
        if name not in STATISTICS:
            raise ConfigError(f"calibration.targets.{name}", "not a known statistic", f"one of {', '.join(STATISTICS)}")
        if not math.isfinite(target.value):
            raise ConfigError(f"calibration.targets.{name}.value", f"{target.value} is not a finite number",
                              "a finite number")
        if not (math.isfinite(target.tolerance) and target.tolerance > 0):
            raise ConfigError(f"calibration.targets.{name}.tolerance", f"{target.tolerance} is not positive",
                              "a finite number > 0")
    return s


def as_plain(settings: CalibrationSettings) -> dict[str, Any]:
    """The settings as plain data (for the calibration's record and its fingerprint)."""
    return OmegaConf.to_container(OmegaConf.structured(settings), resolve=True)  # type: ignore[return-value]

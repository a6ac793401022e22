"""Compose a config from the YAML files and overrides, and turn Hydra's errors into one line.

This is the only module (with ``qicsim.cli``) that touches Hydra or OmegaConf: it hands
the rest of qicsim a validated :class:`qicsim.config.schema.Config` of plain dataclasses.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from qicsim.config.schema import Config, check_keys, describe_allowed, validate
from qicsim.contexts import checked_steps
from qicsim.errors import ConfigError

SCHEMA_NAME = "qicsim_schema"
CONFIG_NAME = "config"


def config_dir() -> Path:
    """The folder of YAML configs: ``$QICSIM_CONFIG_DIR`` or the repository's ``configs/``.

    Raises:
        ConfigError: If the folder does not exist.
    """
    path = Path(os.environ.get("QICSIM_CONFIG_DIR") or Path(__file__).resolve().parents[2] / "configs")
    if not (path / f"{CONFIG_NAME}.yaml").is_file():
        raise ConfigError("QICSIM_CONFIG_DIR", f"no {CONFIG_NAME}.yaml in {path}",
                          "a folder holding qicsim's configs (the repository's configs/)")
    return path


def register_schema() -> None:
    """Put the schema in Hydra's ConfigStore (idempotent)."""
    ConfigStore.instance().store(name=SCHEMA_NAME, node=Config)


def group_options(group: str) -> list[str]:
    """Names of the configs in a group folder, e.g. ``scenario`` or ``experiment``."""
    return sorted(p.stem for p in (config_dir() / group).glob("*.yaml"))


def scenario_names() -> list[str]:
    """Names of the shipped scenarios (files in ``configs/scenario``)."""
    return group_options("scenario")


def preflight_overrides(overrides: list[str]) -> None:
    """Reject an unknown scenario or key before Hydra composes anything.

    Args:
        overrides: Hydra command-line overrides.

    Raises:
        ConfigError: For an unparsable override, an unknown scenario or an unknown key.
    """
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as exc:
        raise ConfigError("override", str(exc).splitlines()[0], "key=value, as in `qicsim --help`") from exc
    for override in parsed:
        key = override.key_or_group
        if key.endswith(".schedule") and not override.is_sweep_override():
            checked_steps(key, override.value())
        if key in ("scenario", "experiment") and not override.is_sweep_override():
            name, known = override.value(), group_options(key)
            if name not in known:
                raise ConfigError(key, f"unknown {key} {name!r}", f"one of {', '.join(known)}")


def to_config(cfg: DictConfig) -> Config:
    """Turn a composed DictConfig into the validated plain-dataclass Config.

    Args:
        cfg: Composed config (from ``compose`` or ``@hydra.main``).

    Returns:
        The validated config.

    Raises:
        ConfigError: For an unknown key, a wrong type or a value not allowed.
    """
    plain: Any = OmegaConf.to_container(cfg, resolve=True)
    plain.pop("hydra", None)
    check_keys(plain, Config)
    try:
        merged = OmegaConf.merge(OmegaConf.structured(Config), plain)
        config = OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:
        raise omegaconf_error(exc) from exc
    assert isinstance(config, Config)
    return validate(config)


def omegaconf_error(exc: OmegaConfBaseException) -> ConfigError:
    """One-line ConfigError from an OmegaConf type error."""
    key = str(getattr(exc, "full_key", None) or "config")
    first = str(exc).splitlines()[0]
    if " not in " in first:
        if ".sites." in key:
            return ConfigError(key, "a new per-site setting", f"add it with a leading '+': +{key}=<number in [0, 1]>")
        if key.startswith("sweep.factors."):
            return ConfigError(key, "a new factor", f"add it with a leading '+': +{key}=[lo,hi]")
        return ConfigError(key, "unknown setting", describe_allowed(key))
    return ConfigError(key, first, describe_allowed(key))


def load_config(overrides: list[str] | None = None) -> Config:
    """Compose ``configs/config.yaml`` with overrides, as the CLI does, and validate it.

    Args:
        overrides: Hydra overrides, e.g. ``["scenario=no_contexts", "run.replications=5"]``.

    Returns:
        The validated config.

    Raises:
        ConfigError: For any bad input, with a one-line message.
    """
    overrides = list(overrides or [])
    preflight_overrides(overrides)
    register_schema()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            cfg = compose(config_name=CONFIG_NAME, overrides=overrides)
    except MissingConfigException as exc:
        raise ConfigError("config", str(exc).splitlines()[0], "a config under configs/") from exc
    except OmegaConfBaseException as exc:
        raise omegaconf_error(exc) from exc
    except HydraException as exc:
        raise hydra_error(exc) from exc
    finally:
        GlobalHydra.instance().clear()
    return to_config(cfg)


def hydra_error(exc: HydraException) -> ConfigError:
    """One-line ConfigError from a Hydra composition error (unknown key, bad value...)."""
    cause = exc.__cause__
    if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
        return omegaconf_error(cause)
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return ConfigError("override", " ".join(lines[:2]), "key=value with a key from `qicsim --cfg job`")


def compose_in_job(scenario: str) -> Config:
    """Inside a running Hydra job: compose this job's overrides with another base scenario.

    Used by one-at-a-time sweeps, whose points start from several scenarios. The job's own
    command-line overrides apply to every base (its ``scenario`` and ``sweep.job`` do not).

    Args:
        scenario: A scenario in ``configs/scenario``.

    Returns:
        The validated config.

    Raises:
        ConfigError: For an unknown scenario or a config that does not validate.
    """
    if scenario not in scenario_names():
        raise ConfigError("sweep.bases", f"unknown scenario {scenario!r}", f"one of {', '.join(scenario_names())}")
    task = [o for o in HydraConfig.get().overrides.task if not o.startswith(("scenario=", "sweep.job="))]
    try:
        cfg = compose(config_name=CONFIG_NAME, overrides=[*task, f"scenario={scenario}"])
    except HydraException as exc:
        raise hydra_error(exc) from exc
    return to_config(cfg)


def load_bases(scenarios: list[str], overrides: list[str]) -> dict[str, Config]:
    """Outside Hydra: each base scenario composed with the given overrides (as the API runs sweeps).

    Args:
        scenarios: Scenario names.
        overrides: The sweep's overrides; their own ``scenario`` is replaced.

    Returns:
        Scenario name to validated config.
    """
    rest = [o for o in overrides if not o.startswith("scenario=")]
    return {name: load_config([*rest, f"scenario={name}"]) for name in scenarios}

"""Compose a config from the YAML files and overrides, and turn Hydra's errors into one line.

This is the only module (with ``qicsim.apps.cli.main``) that touches Hydra or OmegaConf: it hands
the rest of qicsim a validated :class:`qicsim.config.schema.Config` of plain dataclasses.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import InterpolationResolutionError, OmegaConfBaseException

from qicsim.config.names import safe_name
from qicsim.config.paths import CONFIG_NAME, config_dir
from qicsim.config.schema import Config, describe_allowed, validate
from qicsim.config.sweep import folder_name
from qicsim.errors import ConfigError
from qicsim.model.contexts import checked_steps

SCHEMA_NAME = "qicsim_schema"
# Hydra's nodes that name code to run (a class to instantiate): chosen on the command line by name
# (hydra/launcher=joblib), never by a scenario or experiment file, which is data.
CODE_NODES = ("launcher", "sweeper", "callbacks")


def label_text(scenario: str, overrides: str) -> str:
    """What a run's folder is named after: the scenario, and ``+<overrides>`` if any (Hydra's ``override_dirname``)."""
    return f"{scenario}+{overrides}" if overrides else scenario


def run_label(scenario: str, overrides: str) -> str:
    """A run folder's first part: a plain scenario name as it is, else a slug and a short hash of what it stands for.

    ``peach``; ``peach+contexts.protected_time.intensity=1-<hash>`` (:func:`qicsim.config.names.safe_name`):
    never a path separator, a leading dot or ``..``, so a run stays under ``results/``.
    """
    return safe_name(label_text(scenario, overrides))


# Used by configs/config.yaml's folder names; registered on import, so Hydra's worker
# processes (which import qicsim.apps.cli.main to run a job) have them too.
OmegaConf.register_new_resolver("qicsim_label", run_label, replace=True)
OmegaConf.register_new_resolver("qicsim_sweep_name", folder_name, replace=True)


def register_schema() -> None:
    """Put the schema in Hydra's ConfigStore (idempotent)."""
    ConfigStore.instance().store(name=SCHEMA_NAME, node=Config)


def search_folders(overrides: list[str] | None = None) -> list[Path]:
    """The config folders Hydra searches: qicsim's own, then those of a ``hydra.searchpath`` override.

    A researcher's own scenarios can live outside the repository:
    ``qicsim hydra.searchpath=[file:///path/to/mine] scenario=my_scenario`` finds
    ``/path/to/mine/scenario/my_scenario.yaml``.

    Args:
        overrides: Command-line overrides (only ``hydra.searchpath`` is read).

    Returns:
        The folders, qicsim's first.

    Raises:
        ConfigError: For a search path entry that is not a ``file://`` folder that exists.
    """
    folders = [config_dir()]
    for override in parse_overrides(overrides or []):
        if override.key_or_group.lstrip("+~") != "hydra.searchpath" or override.is_delete():
            continue
        entries = override.value()
        for entry in entries if isinstance(entries, list) else [entries]:
            text = str(entry)
            path = Path(text.removeprefix("file://"))
            if not text.startswith("file://") or not path.is_dir():
                raise ConfigError("hydra.searchpath", f"{text!r} is not a folder",
                                  "a list of file://<folder> entries, e.g. hydra.searchpath=[file:///home/me/configs]")
            folders.append(path.resolve())
    return folders


def group_options(group: str, folders: list[Path] | None = None) -> list[str]:
    """Names of the configs in a group folder, e.g. ``scenario`` or ``experiment``, across the search path."""
    return sorted({p.stem for folder in folders or [config_dir()] for p in (folder / group).glob("*.yaml")})


def scenario_names() -> list[str]:
    """Names of the shipped scenarios (files in ``configs/scenario``)."""
    return group_options("scenario")


def parse_overrides(overrides: list[str]) -> list[Override]:
    """Hydra's parse of command-line overrides, with a one-line ConfigError for a bad one."""
    try:
        return OverridesParser.create().parse_overrides(overrides)
    except HydraException as exc:
        raise ConfigError("override", str(exc).splitlines()[0], "key=value, as in `qicsim --help`") from exc


def check_group_file(group: str, name: str, folders: list[Path], chain: tuple[str, ...] = ()) -> Path:
    """Find a scenario or experiment file on the search path and check that it is usable YAML.

    The scenarios and experiments its ``defaults`` list names are checked too, as far as they go.

    Args:
        group: ``scenario`` or ``experiment``.
        name: The config's name.
        folders: The search path (:func:`search_folders`).
        chain: The files whose defaults led here (``group/name``), to find a cycle.

    Returns:
        The file (the first one on the search path, as Hydra takes it).

    Raises:
        ConfigError: Naming the file, if it is missing, not UTF-8, not YAML, empty or not a mapping,
            sets Hydra's launcher, sweeper or callbacks, or its defaults come back to it.
    """
    found = [folder / group / f"{name}.yaml" for folder in folders if (folder / group / f"{name}.yaml").is_file()]
    if not found:
        known = group_options(group, folders)
        raise ConfigError(group, f"unknown {group} {name!r}", f"one of {', '.join(known)}")
    path = found[0]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start})",
                          "a file saved as UTF-8 (any editor's 'save with encoding')") from exc
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"not valid YAML ({yaml_problem(exc)})",
                          f"a YAML mapping like configs/{group}/*.yaml") from exc
    if not isinstance(content, dict) or not content:
        raise ConfigError(str(path), "empty" if content is None else f"not a mapping of settings ({content!r})",
                          f"a YAML mapping like configs/{group}/*.yaml")
    if group == "scenario" and not text.lstrip().startswith("# @package _global_"):
        raise ConfigError(str(path), "does not begin with '# @package _global_'",
                          "a scenario file that begins with that line, like configs/scenario/peach.yaml")
    hydra_node = content.get("hydra")
    for node in CODE_NODES if isinstance(hydra_node, dict) else ():
        if node in hydra_node:
            raise ConfigError(f"{path}: hydra.{node}", f"a {group} file cannot choose Hydra's {node}",
                              "choose it on the command line, e.g. hydra/launcher=joblib")
    check_defaults(group, name, content.get("defaults"), folders, (*chain, f"{group}/{name}"), path)
    contexts = content.get("contexts")
    for context, setting in (contexts.items() if isinstance(contexts, dict) else ()):
        if isinstance(setting, dict) and "schedule" in setting:  # before Hydra's message, which names no step
            try:
                checked_steps(f"contexts.{context}.schedule", setting["schedule"])
            except ConfigError as error:
                raise ConfigError(f"{path}: {error.key}", error.problem, error.allowed) from error
    return path


def check_defaults(group: str, name: str, defaults: Any, folders: list[Path], chain: tuple[str, ...],
                   path: Path) -> None:
    """Check the scenarios and experiments a file's ``defaults`` list names, and that none leads back to it.

    Hydra would recurse until Python's stack ran out (2,500 lines of traceback).

    Args:
        group: The file's group.
        name: Its name.
        defaults: Its ``defaults`` list (anything else is left to Hydra).
        folders: The search path.
        chain: The files whose defaults led here, this one last (``group/name``).
        path: The file, for the message.

    Raises:
        ConfigError: Naming the cycle, or a named file that is not usable.
    """
    for entry in defaults if isinstance(defaults, list) else ():
        if isinstance(entry, str) and entry != "_self_":
            target = entry.lstrip("/") if entry.startswith("/") else f"{group}/{entry}"
        elif isinstance(entry, dict) and len(entry) == 1 and isinstance(next(iter(entry.values())), str):
            key, value = next(iter(entry.items()))
            target = f"{str(key).lstrip('/')}/{value}"
        else:
            continue
        other_group, _, other = target.rpartition("/")
        if other_group not in ("scenario", "experiment"):
            continue
        if target in chain:
            cycle = " -> ".join([*chain[chain.index(target):], target])
            raise ConfigError(f"{path}: defaults", f"names itself again ({cycle})",
                              "defaults that name other scenarios, never one that leads back to this one")
        check_group_file(other_group, other, folders, chain)


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error in a few words: what and where (line, column)."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{getattr(exc, 'problem', None) or type(exc).__name__}{where}"


def preflight_overrides(overrides: list[str]) -> None:
    """Reject an unknown scenario or key, or a bad scenario file, before Hydra composes anything.

    Args:
        overrides: Hydra command-line overrides (sweeps, such as ``scenario=a,b``, check each value).

    Raises:
        ConfigError: For an unparsable override, an unknown or broken scenario or experiment
            file, or a malformed schedule.
    """
    folders = search_folders(overrides)
    for override in parse_overrides(overrides):
        key = override.key_or_group
        values = list(override.sweep_string_iterator()) if override.is_sweep_override() else None
        if key.endswith(".schedule") and values is None:
            checked_steps(key, override.value())
        if key in ("scenario", "experiment"):
            for name in values if values is not None else [override.value()]:
                if name is not None:
                    check_group_file(key, str(name), folders)
        if key.lstrip("+") in (f"hydra.{node}._target_" for node in CODE_NODES):
            raise ConfigError(key, "names code for Hydra to run", "a launcher by name, e.g. hydra/launcher=joblib")


def to_config(cfg: DictConfig) -> Config:
    """Turn a composed DictConfig into the validated plain-dataclass Config.

    Args:
        cfg: Composed config (from ``compose`` or ``@hydra.main``).

    Returns:
        The validated config.

    Raises:
        ConfigError: For an unknown key (the merge into the structured schema finds it, also
            one added with ``+``), a wrong type or a value not allowed.
    """
    if "hydra" in cfg:  # Hydra's own node resolves only inside a job (hydra.job.num)
        cfg = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
    try:
        plain: Any = OmegaConf.to_container(cfg, resolve=True)  # ${oc.env:X} of an unset X fails here
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
    if isinstance(exc, InterpolationResolutionError):  # ${oc.env:UNSET}, ${nope}: what the value names is missing
        problem = first.split("while resolving interpolation: ", 1)[-1].strip("\"'")
        return ConfigError(key, problem, "a value, or an interpolation that resolves, e.g. ${oc.env:NAME,default}")
    if " not in " in first:
        if ".sites." in key:
            return ConfigError(key, "a new per-site setting", f"add it with a leading '+': +{key}=<number in [0, 1]>")
        if key.startswith("sweep.factors."):
            return ConfigError(key, "a new factor", f"add it with a leading '+': +{key}=[lo,hi]")
        return ConfigError(key, "unknown setting", describe_allowed(key))
    return ConfigError(key, first, describe_allowed(key))


def compose_config(overrides: list[str] | None = None, with_hydra: bool = False) -> DictConfig:
    """Compose ``configs/config.yaml`` with overrides (after the preflight checks), unvalidated.

    Args:
        overrides: Hydra overrides (no sweeps).
        with_hydra: Keep Hydra's own node (``hydra.run.dir``, ``hydra.mode``, the launcher).

    Returns:
        The composed config.

    Raises:
        ConfigError: For any bad input, with a one-line message.
    """
    overrides = list(overrides or [])
    preflight_overrides(overrides)
    register_schema()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            return compose(config_name=CONFIG_NAME, overrides=overrides, return_hydra_config=with_hydra)
    except MissingConfigException as exc:
        raise ConfigError("config", str(exc).splitlines()[0], "a config under configs/") from exc
    except OmegaConfBaseException as exc:
        raise omegaconf_error(exc) from exc
    except HydraException as exc:
        raise hydra_error(exc) from exc
    except yaml.YAMLError as exc:  # a file the preflight did not read (config.yaml, a launcher)
        raise ConfigError(str(getattr(getattr(exc, "problem_mark", None), "name", "a config file")),
                          f"not valid YAML ({yaml_problem(exc)})", "a YAML mapping of settings") from exc
    except UnicodeDecodeError as exc:  # the same, for a file that is not UTF-8
        raise ConfigError("config", f"a config file is not UTF-8 text ({exc.reason})", "files saved as UTF-8") from exc
    except RecursionError as exc:  # a cycle of defaults the preflight did not follow
        raise ConfigError("defaults", "a defaults list leads back to itself (a cycle)",
                          "defaults that never lead back to the file that names them") from exc
    finally:
        GlobalHydra.instance().clear()


def load_config(overrides: list[str] | None = None) -> Config:
    """Compose ``configs/config.yaml`` with overrides, as the CLI does, and validate it.

    Args:
        overrides: Hydra overrides, e.g. ``["scenario=no_contexts", "run.replications=5"]``.

    Returns:
        The validated config.

    Raises:
        ConfigError: For any bad input, with a one-line message.
    """
    return to_config(compose_config(overrides))


def hydra_error(exc: HydraException) -> ConfigError:
    """One-line ConfigError from a Hydra composition error (unknown key, bad value...)."""
    cause = exc.__cause__
    if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
        return omegaconf_error(cause)
    lines = [line for line in str(exc).splitlines() if line.strip()]
    unknown = UNKNOWN_IN_FILE.search(" ".join(lines))
    if unknown:  # a config file (a scenario, an experiment) sets a key its group does not have
        where, key, group = unknown.groups()
        prefix = GROUP_OF_CLASS.get(group)
        return ConfigError(f"{where}.yaml: {prefix}.{key}" if prefix else f"{where}.yaml: {key} (in {group})",
                           "unknown setting", "a key from `qicsim --cfg job`")
    return ConfigError("override", " ".join(lines[:2]), "key=value with a key from `qicsim --cfg job`")


# Hydra's message for a key a config file sets that its schema does not have, and the groups by schema class.
UNKNOWN_IN_FILE = re.compile(r"In '([^']+)': ConfigKeyError raised while composing config: Key '([^']+)' not in "
                             r"'(\w+)'")
GROUP_OF_CLASS = {"Structure": "structure", "Parameters": "parameters", "RunSettings": "run",
                  "SweepSettings": "sweep", "Contexts": "contexts"}


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

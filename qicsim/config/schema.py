"""The config schema: typed dataclasses that Hydra checks, and our range checks on top.

Types and unknown keys (also those added with ``+``) are enforced by OmegaConf when the
composed config is merged into this schema. Ranges and cross-field rules are checked by
:func:`validate`, which raises :class:`qicsim.errors.ConfigError` with a one-line message.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, make_dataclass
from typing import Any, Optional

from qicsim.config.sweep import SweepSettings, validate_sweep
from qicsim.errors import ConfigError
from qicsim.model.contexts import CONTEXT_NAMES, resolve_intensities
from qicsim.model.parameters import Parameters, Structure, allowed_text, validate_dataclass

DEFAULT_SEED = 20160901  # PEACH began in September 2016 (docs/evidence.md, section 1)
# The calibrated ensemble ``qicsim compare``, ``qicsim plot`` and ``qicsim-validate --ensemble`` draw from
# unless told otherwise (configs/ensemble/<name>.csv); a plain run or sweep uses the point values.
DEFAULT_ENSEMBLE = "programmes"  # model-averaged over the rival structures (issue 21)


@dataclass
class ScheduleStep:
    """From ``week`` on, the context has ``intensity`` (at ``site``, or all sites if None)."""

    week: int = 0
    intensity: float = 0.0
    site: Optional[str] = None  # noqa: UP045 - OmegaConf 2.3 does not read "str | None"


@dataclass
class ContextSetting:
    """A context's intensity for all sites, per-site intensities, and a schedule."""

    intensity: float = 0.0
    sites: dict[str, float] = field(default_factory=dict)
    schedule: list[ScheduleStep] = field(default_factory=list)


Contexts = make_dataclass(
    "Contexts",
    [(name, ContextSetting, field(default_factory=ContextSetting)) for name in CONTEXT_NAMES],
)
Contexts.__doc__ = """C1-C10, one field per context of the registry (qicsim.model.contexts.CONTEXTS).

0 = absent, 1 = fully present (docs/evidence.md, section 2)."""
Contexts.__module__ = __name__


@dataclass
class RunSettings:
    """How many replications, from which master seed, and what to write."""

    replications: int = 20
    seed: int = DEFAULT_SEED
    figure: bool = True
    # Each replication draws its parameters from this ensemble (qicsim/config/ensemble.py): a shipped
    # name (configs/ensemble/<name>.csv) or a CSV path, either with @<structure> for one structure's
    # rows of a model-averaged ensemble. None: the point values of `parameters`.
    ensemble: Optional[str] = None  # noqa: UP045 - OmegaConf 2.3 does not read "str | None"


@dataclass
class Config:
    """The whole configuration of a run."""

    scenario: str = "custom"
    description: str = ""
    structure: Structure = field(default_factory=Structure)
    parameters: Parameters = field(default_factory=Parameters)
    contexts: Contexts = field(default_factory=Contexts)
    run: RunSettings = field(default_factory=RunSettings)
    sweep: SweepSettings = field(default_factory=SweepSettings)


_DATACLASSES = {cls.__name__: cls for cls in
                (Structure, Parameters, Contexts, ContextSetting, RunSettings, ScheduleStep,
                                 SweepSettings)}


def describe_allowed(dotted: str) -> str:
    """What the schema allows at a dotted key, for error messages.

    Args:
        dotted: A key such as ``parameters.voice_prob`` or ``contexts.alignment``.

    Returns:
        A short description such as "a number in [0, 1]" or "one of a, b, c".
    """
    cls: Any = Config
    parts = dotted.replace("]", "").replace("[", ".").split(".")
    for i, part in enumerate(parts):
        known = {f.name: f for f in fields(cls)}
        if part not in known:
            return f"one of {', '.join(known)}" if i == len(parts) - 1 else "a key shown by `qicsim --cfg job`"
        f = known[part]
        type_name = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        if "lo" in f.metadata:
            return allowed_text(f.metadata)
        if type_name in _DATACLASSES:
            cls = _DATACLASSES[type_name]
            if i == len(parts) - 1:
                hint = f" (e.g. {dotted}.intensity=0.5)" if cls is ContextSetting else ""
                return f"a group of {', '.join(x.name for x in fields(cls))}{hint}"
            continue
        if part in ("intensity",) or "float" in type_name:
            return "a number in [0, 1]" if part == "intensity" else "a number"
        if part == "schedule" and i < len(parts) - 1:
            cls = ScheduleStep
            continue
        return {"int": "a whole number", "bool": "true or false", "str": "text"}.get(
            type_name.split("[")[0], type_name)
    return "a key shown by `qicsim --cfg job`"


def validate(config: Config) -> Config:
    """Check ranges and cross-field rules of a composed config.

    Args:
        config: The config as dataclass instances.

    Returns:
        The same config, for chaining.

    Raises:
        ConfigError: On the first setting not allowed.
    """
    validate_dataclass(config.structure, "structure")
    validate_dataclass(config.parameters, "parameters")
    s = config.structure
    if config.run.replications < 1:
        raise ConfigError("run.replications", f"{config.run.replications} is too few", "a whole number >= 1")
    if config.run.seed < 0:
        raise ConfigError("run.seed", f"{config.run.seed} is negative", "a whole number >= 0")
    validate_sweep(config.sweep)
    if config.run.ensemble is not None:
        from qicsim.config.ensemble import load_ensemble, say_structure_mismatch  # reads files: only when named

        load_ensemble(config.run.ensemble)
        say_structure_mismatch(config.run.ensemble, {f.name: getattr(s, f.name) for f in fields(Structure)})
    # The model's own resolver checks contexts: the same rules for config and direct use.
    resolve_intensities(contexts_as_plain(config.contexts), len(s.homes_per_site), s.total_weeks)
    check_schedule_weeks(config.contexts)
    return config


def check_schedule_weeks(contexts: Contexts) -> None:
    """A schedule names each week once (for all sites, and for each site): two steps at one week are ambiguous.

    Raises:
        ConfigError: Naming the second step.
    """
    for name in CONTEXT_NAMES:
        first: dict[tuple[int, str | None], int] = {}
        for i, step in enumerate(getattr(contexts, name).schedule):
            where = (int(step.week), step.site)
            if where in first:
                site = f" for {step.site}" if step.site else ""
                raise ConfigError(f"contexts.{name}.schedule[{i}].week",
                                  f"week {step.week} is given twice{site} (steps {first[where]} and {i})",
                                  "each week once per schedule (and per site)")
            first[where] = i


def contexts_as_plain(contexts: Contexts) -> dict[str, Any]:
    """The contexts as the plain dicts :class:`qicsim.model.QICModel` takes."""
    out: dict[str, Any] = {}
    for name in CONTEXT_NAMES:
        setting: ContextSetting = getattr(contexts, name)
        out[name] = {
            "intensity": float(setting.intensity),
            "sites": {k: float(v) for k, v in setting.sites.items()},
            "schedule": [{"week": int(st.week), "intensity": float(st.intensity), "site": st.site}
                         for st in setting.schedule],
        }
    return out

"""What a run changes from its scenario: the settings it was given, less those that say only how it ran.

One list, computed once by whoever starts the run (the command, from Hydra's overrides; the
API, from its ``overrides``), names the changes wherever a result is shown: the summary's header
(``changed: ...``) and the figure's title (``qicsim: peach with ...``). The run's folder is named by
Hydra from the same overrides (``hydra.job.override_dirname`` in ``configs/config.yaml``).
"""

from __future__ import annotations

from qicsim.errors import ConfigError

# How a result was run (replications, seed, figure, ensemble, sweep, Hydra's own settings) or which
# scenario it is (named on its own), not what it changes; and the free-text description.
NOT_RESULT_SETTINGS = ("run.", "sweep.", "hydra", "+hydra", "~hydra", "scenario=", "experiment=", "description=")


def result_changes(overrides: list[str]) -> list[str]:
    """The overrides that change what a run means, in the order given.

    Args:
        overrides: Hydra-style overrides, as typed (``key=value``).

    Returns:
        Those that are not in :data:`NOT_RESULT_SETTINGS`.
    """
    return [o for o in overrides if not o.startswith(NOT_RESULT_SETTINGS)]


# What a what-if may change: the model (its structure, parameters and contexts), never which
# scenario runs or how it runs (replications, seed, ensemble, sweep, Hydra's own settings).
MODEL_SETTINGS = ("structure.", "parameters.", "contexts.")
# A preset of the model's rival structures (configs/structure), e.g. structure=peach_2026.
MODEL_PRESETS = ("structure",)
MODEL_SETTINGS_ALLOWED = "settings of the model: structure=<preset>, structure.*, parameters.*, contexts.*"


def check_model_settings(overrides: list[str], where: str | None = None, how: str = "") -> None:
    """Refuse an override that does not change the model: one that picks the scenario, or sets how it is run.

    Used where the scenario and the way of running are fixed by the caller (each programme of the
    validation, each funding option): such an override would either replace what the result is
    labelled as, or be silently outdone by the caller's own settings.

    Args:
        overrides: Hydra-style overrides (``key=value``, ``+key=value``, ``~key``).
        where: What holds them, named before the key in the message (e.g. a file); None: the key alone.
        how: Where the settings that are not the model's are given instead, added to what is allowed.

    Raises:
        ConfigError: Naming the first such override's key.
    """
    for override in overrides:
        key = override.partition("=")[0].strip().lstrip("+~")
        if not key.startswith(MODEL_SETTINGS) and key not in MODEL_PRESETS:
            raise ConfigError(f"{where}: {key}" if where else key, "not a setting of the model (it would choose "
                              "the scenario or how it runs, which are fixed here)",
                              MODEL_SETTINGS_ALLOWED + (f"; {how}" if how else ""))

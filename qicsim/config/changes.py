"""What a run changes from its scenario: the settings it was given, less those that say only how it ran.

One list, computed once by whoever starts the run (the command, from Hydra's overrides; the
API, from its ``overrides``), names the changes wherever a result is shown: the summary's header
(``changed: ...``) and the figure's title (``qicsim: peach with ...``). The run's folder is named by
Hydra from the same overrides (``hydra.job.override_dirname`` in ``configs/config.yaml``).
"""

from __future__ import annotations

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

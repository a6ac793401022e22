"""qicsim: an agent-based simulation of quality improvement collaboratives in care homes.

The plain API::

    import qicsim
    results = qicsim.run("peach", replications=20, seed=1)   # tables of every replication
    config = qicsim.scenario_config("peach", ["contexts.alignment.intensity=1"])  # validated
    model = qicsim.QICModel(seed=1, contexts={"protected_time": 1.0})  # step by step
    model.step()
"""

from typing import TYPE_CHECKING

from qicsim import deprecated
from qicsim.errors import ConfigError, DataError, QicsimError, WriteError
from qicsim.lazy import lazy_getattr

deprecated.install()

# The API, the model and the runner are imported on first use (PEP 562): the command line, the
# config and the error classes need neither Mesa nor pandas, and importing qicsim itself stays
# quick (no Hydra), so that a console script guards Ctrl-C before its heavy imports start
# (qicsim.apps.cli.console). Two subpackages' module objects can be called (see
# :func:`qicsim.lazy.make_callable`): ``qicsim.run``, the run wing, is also the verb
# ``qicsim.run("peach")``; ``qicsim.config`` is, for one release, the old name of scenario_config.
_LAZY = {"QICModel": "qicsim.model", "Results": "qicsim.run.runner", "replication_seed": "qicsim.run.runner",
         "simulate": "qicsim.run.runner", "scenario_config": "qicsim.run.api"}
# Imported on first use too, as ``import qicsim`` used to import them: ``qicsim.run(...)``,
# ``qicsim.config(...)`` and ``qicsim.model.<module>`` work after ``import qicsim`` alone.
_SUBPACKAGES = ("run", "config", "model")

if TYPE_CHECKING:
    from qicsim.model import QICModel
    from qicsim.run.api import scenario_config
    from qicsim.run.runner import Results, replication_seed, simulate

__all__ = ["ConfigError", "DataError", "QICModel", "QicsimError", "Results", "WriteError", "__version__",
           "config", "replication_seed", "run", "scenario_config", "simulate"]

_lazy_name = lazy_getattr(globals(), __name__, _LAZY)


def __getattr__(name: str) -> object:
    """``__version__``, a lazy name (:data:`_LAZY`), or a callable subpackage, each imported on first use."""
    if name == "__version__":  # one place: pyproject.toml, through the installed metadata
        from importlib import metadata

        globals()[name] = metadata.version("qicsim")
        return globals()[name]
    if name in _SUBPACKAGES:
        from importlib import import_module

        return import_module(f"{__name__}.{name}")  # importing it also sets it on this package
    return _lazy_name(name)

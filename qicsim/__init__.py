"""qicsim: an agent-based simulation of quality improvement collaboratives in care homes.

The plain API::

    import qicsim
    results = qicsim.run("peach", replications=20, seed=1)   # tables of every replication
    config = qicsim.scenario_config("peach", ["contexts.alignment.intensity=1"])  # validated
    model = qicsim.QICModel(seed=1, contexts={"protected_time": 1.0})  # step by step
    model.step()
"""

from importlib import metadata

__version__ = metadata.version("qicsim")  # one place: pyproject.toml, through the installed metadata

from typing import TYPE_CHECKING

from qicsim import deprecated
from qicsim.errors import ConfigError, DataError, QicsimError, WriteError
from qicsim.lazy import lazy_getattr
from qicsim.run.api import scenario_config

# Importing the API imported two packages whose module objects can be called (see
# :func:`qicsim.lazy.make_callable`): ``qicsim.run``, the run wing, is also the verb
# ``qicsim.run("peach")``; ``qicsim.config`` is, for one release, the old name of scenario_config.

deprecated.install()

# The model and the runner are imported on first use (PEP 562): the command line, the config
# and the error classes need neither Mesa nor pandas, which take most of the start-up time.
_LAZY = {"QICModel": "qicsim.model", "Results": "qicsim.run.runner", "replication_seed": "qicsim.run.runner",
         "simulate": "qicsim.run.runner"}

if TYPE_CHECKING:
    from qicsim.model import QICModel
    from qicsim.run.runner import Results, replication_seed, simulate

__all__ = ["ConfigError", "DataError", "QICModel", "QicsimError", "Results", "WriteError", "__version__",
           "config", "replication_seed", "run", "scenario_config", "simulate"]

__getattr__ = lazy_getattr(globals(), __name__, _LAZY)

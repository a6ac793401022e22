"""qicsim: an agent-based simulation of quality improvement collaboratives in care homes.

The plain API::

    import qicsim
    results = qicsim.run("peach", replications=20, seed=1)   # tables of every replication
    model = qicsim.QICModel(seed=1, contexts={"protected_time": 1.0})  # step by step
    model.step()
"""

from importlib import metadata

__version__ = metadata.version("qicsim")  # one place: pyproject.toml, through the installed metadata

from typing import TYPE_CHECKING

from qicsim.api import config, run  # after this, ``qicsim.config`` is the function, not the subpackage
from qicsim.errors import ConfigError, DataError, QicsimError, WriteError
from qicsim.lazy import lazy_getattr

# The model and the runner are imported on first use (PEP 562): the command line, the config
# and the error classes need neither Mesa nor pandas, which take most of the start-up time.
_LAZY = {"QICModel": "qicsim.model", "Results": "qicsim.runner", "replication_seed": "qicsim.runner",
         "simulate": "qicsim.runner"}

if TYPE_CHECKING:
    from qicsim.model import QICModel
    from qicsim.runner import Results, replication_seed, simulate

__all__ = ["ConfigError", "DataError", "QICModel", "QicsimError", "Results", "WriteError", "__version__",
           "config", "replication_seed", "run", "simulate"]

__getattr__ = lazy_getattr(globals(), __name__, _LAZY)

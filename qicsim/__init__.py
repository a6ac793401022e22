"""qicsim: an agent-based simulation of quality improvement collaboratives in care homes.

The plain API::

    import qicsim
    results = qicsim.run("peach", replications=20, seed=1)   # tables of every replication
    model = qicsim.QICModel(seed=1, contexts={"protected_time": 1.0})  # step by step
    model.step()
"""

from importlib import metadata

__version__ = metadata.version("qicsim")  # one place: pyproject.toml, through the installed metadata

from qicsim.api import config, run
from qicsim.errors import ConfigError, DataError, QicsimError, WriteError
from qicsim.model import QICModel
from qicsim.runner import Results, replication_seed, simulate

__all__ = ["ConfigError", "DataError", "QICModel", "QicsimError", "Results", "WriteError", "__version__",
           "config", "replication_seed", "run", "simulate"]

"""Configuration, shared by every wing: the Hydra schema, composition, validation, ensembles.

Calling the package (``qicsim.scenario_config("peach")``) is the name of
:func:`qicsim.scenario_config` before the four wings; it still works for one release, with a
``DeprecationWarning``.
"""

from qicsim.lazy import make_callable

make_callable(__name__, "qicsim.run.api:scenario_config",
              deprecated="qicsim.config(...) is now qicsim.scenario_config(...); "
                         "the old name goes in the next release")

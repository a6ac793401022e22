"""The run wing: one scenario run, from a validated config to tables, a figure and provenance.

Modules: :mod:`~qicsim.run.evaluator` (the one way to run replications: every path that runs
the model goes through it), :mod:`~qicsim.run.runner` (seeds, a replication's tables, a run in
memory), :mod:`~qicsim.run.results` (the one result type, tables in memory or on disk, and the
figure's band), :mod:`~qicsim.run.stream` (tables streamed to disk a batch at a time), :mod:`~qicsim.run.output`
(the run folder and its provenance), :mod:`~qicsim.run.summary` and :mod:`~qicsim.run.plot`
(what a person reads), :mod:`~qicsim.run.folders` and :mod:`~qicsim.run.progress`, and
:mod:`~qicsim.run.api`, the plain Python API. Imports point down, to :mod:`qicsim.model` and
:mod:`qicsim.config`, never up.

The package is also the API's verb: ``qicsim.run("peach", replications=50, seed=1)`` calls
:func:`qicsim.run.api.run`.
"""

from qicsim.lazy import make_callable

make_callable(__name__, "qicsim.run.api:run")

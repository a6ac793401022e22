"""Analyses of a sweep folder (docs/sweep-format.md; methods in docs/analysis.md).

The entry point::

    from qicsim.studies.analysis import analyse
    analyse("results/sweeps/contexts")   # -> results/sweeps/contexts/analysis/ with report.md

Each analysis is also a function of a dataset (pandas DataFrame) and its manifest (dict):

* factorial designs: :func:`main_effects`, :func:`interactions` (:mod:`.effects`),
  :func:`qca` (:mod:`.qca`), :func:`cmo_table` (:mod:`.cmo`);
* one-at-a-time designs: :func:`removal_effects` (:mod:`.removal`);
* Morris and Sobol designs: :func:`morris_indices`, :func:`sobol_indices` (:mod:`.sensitivity`);
* QCA across outcome thresholds: :func:`qca_thresholds` (:mod:`.qca`);
* any design: PRIM scenario discovery, :func:`scenario_discovery` (:mod:`.scenarios`);
* a sweep crossed with an ensemble: :func:`robust_conclusions` (:mod:`.robust_conclusions`).
"""

from qicsim.studies.analysis.cmo import cmo_markdown, cmo_table, verdict
from qicsim.studies.analysis.design import DEFAULT_OUTCOMES, checked_sweep
from qicsim.studies.analysis.effects import factorial_effects, interactions, main_effects
from qicsim.studies.analysis.pipeline import analyse, run_analyses, write_analysis
from qicsim.studies.analysis.qca import DEFAULT_RULE, OutcomeRule, crisp_qca, qca, qca_thresholds
from qicsim.studies.analysis.removal import removal_effects
from qicsim.studies.analysis.robust_conclusions import robust_conclusions
from qicsim.studies.analysis.scenarios import scenario_discovery
from qicsim.studies.analysis.sensitivity import morris_indices, sobol_indices

__all__ = [
    "DEFAULT_OUTCOMES", "DEFAULT_RULE", "OutcomeRule", "analyse", "checked_sweep", "cmo_markdown", "cmo_table",
    "crisp_qca", "factorial_effects", "interactions", "main_effects", "morris_indices", "qca", "qca_thresholds",
    "removal_effects", "robust_conclusions", "run_analyses", "scenario_discovery", "sobol_indices", "verdict",
    "write_analysis",
]

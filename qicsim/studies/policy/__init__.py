"""Policy: what each funding option costs, what it buys, and the best use of a budget (issue 11).

Depends downwards on the runner and model: unit costs (:mod:`qicsim.studies.policy.costs`), funding
options (:mod:`qicsim.studies.policy.options`), the comparison command (:mod:`qicsim.studies.policy.appraisal`,
:mod:`qicsim.apps.cli.compare`), and the pure health economics (:mod:`qicsim.studies.policy.economics`,
:mod:`qicsim.studies.policy.budget`).
"""

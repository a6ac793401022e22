"""Policy: what each funding option costs, what it buys, and the best use of a budget (issue 11).

Depends downwards on the runner and model: unit costs (:mod:`qicsim.policy.costs`), funding
options (:mod:`qicsim.policy.options`), the comparison command (:mod:`qicsim.policy.compare`,
:mod:`qicsim.policy.cli`), and the pure health economics (:mod:`qicsim.policy.economics`,
:mod:`qicsim.policy.budget`).
"""

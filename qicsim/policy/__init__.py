"""Policy: what funding options cost, what they buy, and how they compare (issue 11).

Depends downwards on the runner and model: unit costs (:mod:`qicsim.policy.costs`), funding
options (:mod:`qicsim.policy.options`) and the comparison command (:mod:`qicsim.policy.compare`).
"""

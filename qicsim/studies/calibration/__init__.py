"""Calibration by ABC-SMC (pyabc) of the assumed parameters to the PEACH patterns (issue 12).

``qicsim-calibrate <name>`` reads ``configs/calibration/<name>.yaml`` (:mod:`.settings`),
samples particles whose evaluation runs a few replications (:mod:`.particles`), scores them
against quantified PEACH targets (:mod:`.targets`), keeps pyabc's history under
``results/calibration/<name>/`` and resumes it (:mod:`.smc`), then writes the posterior
report (:mod:`.report`) and the accepted particles as an ensemble (:mod:`.export`), which
``run.ensemble`` takes (:mod:`qicsim.config.ensemble`).
"""

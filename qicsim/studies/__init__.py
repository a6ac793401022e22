"""The studies wing: many runs and what they show.

Sweeps (:mod:`~qicsim.studies.sweep`), their analyses (:mod:`~qicsim.studies.analysis`) and the
two joined from end to end (:mod:`~qicsim.studies.end_to_end`); the mechanism checks
(:mod:`~qicsim.studies.mechanism_checks`), held-out validation
(:mod:`~qicsim.studies.validation`), calibration (:mod:`~qicsim.studies.calibration`), the
policy comparison of funding options (:mod:`~qicsim.studies.policy`), paired statistics
(:mod:`~qicsim.studies.paired`) and the engine-equivalence gate (:mod:`~qicsim.studies.equivalence`).
Studies call the run wing and the model; nothing below imports them.
"""

"""Analyses of the mechanisms: PEACH patterns, mediation, dose-response, robustness, the capability trap.

Each analysis runs the model (through :mod:`qicsim.run.runner`'s seeds and keyword arguments)
over conditions that share replication seeds, so that differences are paired; serial and
parallel runs give the same figures. The experiments in ``experiments/`` and the tests call
these functions; the figures they write are in ``docs/mechanisms.md``.
"""

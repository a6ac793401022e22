"""Helpers shared by the tests: the console script, small sweeps, synthetic sweep folders."""

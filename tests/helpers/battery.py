"""The master seed of the mechanism battery as built (tests/test_mechanisms.py).

tests/test_mutations.py runs each review mutant's battery on this seed and at the same size, so that the
mutant fails on the very seeds on which tests/test_mechanisms.py shows the model passing the same check:
the as-built battery is run once, not once per test module.
"""

SEED = 777

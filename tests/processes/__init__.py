"""One fast test module per weekly process, each on a small hand-built world (``world.py``).

Every test builds a tiny model through the public constructor, sets the state it needs
directly (a member's engagement and hours, a home's load, a project's stage and chunk),
runs one process function for one week (not ``model.step()``) and checks what that process
did to the state against values worked out by hand from the formula in the process's
docstring and docs/ODD.md, section 7. Randomness is controlled through parameters (chances
of 0 or 1) or by checking statements that hold for any draw.
"""

"""The console scripts, each a thin layer over a plain function of a lower wing.

``qicsim`` (with ``plot`` and ``compare``), ``qicsim-collect``, ``qicsim-analyse``,
``qicsim-validate``, ``qicsim-calibrate`` and ``qicsim-dashboard``: parse, call, print one line
or a table, exit with the documented code.
"""

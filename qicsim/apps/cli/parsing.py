"""The argument parser of qicsim's own commands: an error is one line and exit code 2.

The class lives in :mod:`qicsim.errors`, so that the studies' console scripts (``qicsim-collect``)
use it too; it is imported from here by the commands of this package.
"""

from __future__ import annotations

from qicsim.errors import OneLineParser

__all__ = ["OneLineParser"]

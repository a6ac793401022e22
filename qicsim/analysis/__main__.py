"""``python -m qicsim.analysis <folder>``: the same as ``qicsim-analyse``."""

import sys

from qicsim.analysis.cli import main

sys.exit(main())

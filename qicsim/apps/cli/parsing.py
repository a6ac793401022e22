"""The argument parser of qicsim's own commands: an error is one line and exit code 2."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from qicsim.errors import EXIT_BAD_INPUT


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block) and exit 2, as qicsim's other errors."""

    def error(self, message: str) -> NoReturn:
        """Print ``<prog>: error: <message>; see <prog> --help`` and exit 2."""
        print(f"{self.prog}: error: {message}; see {self.prog} --help", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)

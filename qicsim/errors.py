"""qicsim's errors: one base class, with a one-line message, and one subclass per kind of cause.

* :class:`ConfigError`: a setting given (on the command line, in a YAML file, to the API or
  the model) is missing, unknown, of the wrong type or out of range;
* :class:`DataError`: a file on disk (a result folder, a sweep's manifest, chunk or dataset)
  is missing, corrupt, foreign or cannot be written; :class:`WriteError` when writing fails
  part-way;
* :class:`TooBigError`: the work asked for cannot fit in this machine's memory (a
  :class:`ConfigError` naming the setting that makes it big).

Catch :class:`QicsimError` to handle both; the command-line tools print ``str(error)``, one line.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

EXIT_CANNOT_WRITE = 1
EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE = 3
EXIT_INTERRUPTED = 130  # the shell's code for a process stopped by SIGINT (128 + 2): Ctrl-C
EXIT_TERMINATED = 143  # 128 + 15: SIGTERM (kill, a scheduler's time limit)


class QicsimError(Exception):
    """Base class of qicsim's errors: ``<key>: <problem>; allowed: <what would be accepted>``.

    Args:
        key: What the error is about: a setting's dotted key, or a file or folder.
        problem: What is wrong with it.
        allowed: What would be accepted, or what to do.

    Attributes:
        exit_code: The command-line tools' exit code for this kind of error.
        label: How the tools introduce the message (``error`` or ``incomplete``).
    """

    exit_code = EXIT_BAD_INPUT
    label = "error"

    def __init__(self, key: str, problem: str, allowed: str) -> None:
        self.key = key
        self.problem = problem
        self.allowed = allowed
        super().__init__(" ".join(f"{key}: {problem}; allowed: {allowed}".split()))  # always one line


class ConfigError(QicsimError, ValueError):
    """A setting is missing, unknown, of the wrong type or out of range.

    ``key`` is the setting's dotted name, e.g. ``contexts.protected_time.intensity``. It is
    also a ``ValueError``, as code written before the hierarchy expects.
    """


class DataError(QicsimError):
    """A file or folder is missing, corrupt, not qicsim's, or cannot be written; ``key`` names it."""


class WriteError(DataError):
    """Writing a file failed part-way (a full disk, a folder removed under the run): exit code 1, not 2."""

    exit_code = EXIT_CANNOT_WRITE


class TooBigError(ConfigError):
    """The work asked for would not fit in this machine's memory; ``key`` is the setting that makes it big.

    Raised before anything runs (:mod:`qicsim.run.estimate`), or for a ``MemoryError`` while running.
    """


def exit_with(error: QicsimError, program: str) -> NoReturn:
    """Print a one-line error and exit with the error's code: 3 incomplete sweep, 1 failed write, 2 bad input."""
    print(f"{program}: {error.label}: {error}", file=sys.stderr)
    sys.exit(error.exit_code)


def usage_error(program: str, message: str) -> NoReturn:
    """A bad command line (an unknown flag, a missing argument): one line naming ``--help``, exit code 2."""
    print(f"{program}: error: {message}; see {program} --help", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block) and exit 2, as qicsim's other errors.

    Every console script's parser; here, not in ``qicsim.apps``, so that ``qicsim-collect`` (a studies
    module, which may not import the apps) has it too.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``<prog>: error: <message>; see <prog> --help`` and exit 2."""
        usage_error(self.prog, message)

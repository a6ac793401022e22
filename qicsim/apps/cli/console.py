"""The console scripts' entry points: every command runs inside one guard that ends it with one line.

pyproject.toml's ``[project.scripts]`` point here, not at the commands' modules. This module
imports nothing heavy (nor does ``import qicsim``), so the guard is in place before a command
imports Hydra, pandas or Mesa: Ctrl-C during those imports is one line too.

What the guard does, for every command (:func:`guard`):

* **Ctrl-C** (SIGINT): ``<program>: interrupted``, exit code 130. A command that knows which
  folder it leaves incomplete names it in that line itself (:func:`stopped`).
* **SIGTERM** (``kill``, a scheduler's time limit): raised as :class:`Terminated`, a
  ``KeyboardInterrupt``, so that the clean-up written for Ctrl-C runs (a run removes its
  partial tables, ``.parts``); ``<program>: terminated``, exit code 143.
* a :class:`~qicsim.errors.QicsimError` no command caught: its one line and exit code.
* ``MemoryError``: one line naming what makes a run big (exit code 2); qicsim refuses such a
  run before it starts when its estimate says so (:mod:`qicsim.run.estimate`).
* ``BrokenPipeError`` (``qicsim --help | head``): nothing more, exit code 0.
* an error raised while a library cleaned up after Ctrl-C or SIGTERM (:func:`interruption`): the
  interrupt's one line, as if the interrupt itself had reached the guard.

Worker processes leave Ctrl-C to the command and die with it (:mod:`qicsim.run.workers`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import NoReturn

from qicsim.errors import EXIT_INTERRUPTED, EXIT_TERMINATED, QicsimError, TooBigError, exit_with


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, so that the clean-up it does for Ctrl-C runs too."""


_signal_received: int | None = None  # the last of SIGINT or SIGTERM that stopped this process


def terminate(signum: int, frame: object) -> None:
    """The SIGTERM handler: stop the command as Ctrl-C does (:class:`Terminated`)."""
    global _signal_received
    _signal_received = signal.SIGTERM
    raise Terminated


def note_signal(signum: int) -> None:
    """Remember which signal stopped the command (a command that holds a signal back and acts on it later)."""
    global _signal_received
    _signal_received = signum


def install() -> None:
    """Install the SIGTERM handler (Ctrl-C already raises ``KeyboardInterrupt``); the main thread only."""
    signal.signal(signal.SIGTERM, terminate)
    sys.unraisablehook = signal_again


def signal_again(unraisable: object) -> None:
    """``sys.unraisablehook``: a signal's exception raised where Python cannot raise it is sent again.

    A signal handler runs between two bytecodes of the main thread, which may be inside a weakref
    callback or a ``__del__`` (pyabc's sampler makes many). There Python prints the exception as
    "Exception ignored in ..." (a traceback) and goes on, and the command ran to its end with exit
    code 0. The signal is sent again, a hundredth of a second later from a helper thread (sent from
    here, its handler would run inside this hook, where a raise is ignored too), and its handler
    then raises in the command's own code.
    """
    stop = getattr(unraisable, "exc_value", None)
    if isinstance(stop, KeyboardInterrupt):
        signum = signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT
        threading.Timer(0.01, os.kill, (os.getpid(), signum)).start()
        return
    sys.__unraisablehook__(unraisable)  # type: ignore[arg-type]


def restore_handlers() -> None:
    """SIGINT raises ``KeyboardInterrupt`` and SIGTERM :class:`Terminated` again (after holding them back)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    install()


def stop_code(stop: BaseException | None = None) -> int:
    """130 for Ctrl-C, 143 for SIGTERM (told by the exception, or by the signal last received)."""
    terminated = isinstance(stop, Terminated) or (stop is None and _signal_received == signal.SIGTERM)
    return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


def stopped(program: str, detail: str = "", stop: BaseException | None = None) -> NoReturn:
    """One line, ``<program>: interrupted<detail>`` (or ``terminated``), and exit 130 (or 143).

    Args:
        program: The command's name.
        detail: What was left, starting with ``; `` (e.g. ``; results/x is incomplete``).
        stop: The ``KeyboardInterrupt`` caught, if at hand (a :class:`Terminated` is SIGTERM).
    """
    code = stop_code(stop)
    word = "terminated" if code == EXIT_TERMINATED else "interrupted"
    print(f"{program}: {word}{detail}", file=sys.stderr, flush=True)
    sys.exit(code)


def interruption(error: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C (or SIGTERM) behind an error raised while handling it, if any.

    A library's clean-up can fail on the state an interrupt left: pyabc ends an interrupted run by
    writing to its history, whose database transaction the interrupt broke, and the database's
    error replaces the ``KeyboardInterrupt``. That error is the interrupt's consequence, not a fault.
    """
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        if isinstance(link, KeyboardInterrupt):
            return link
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return None


def out_of_memory(where: str = "running") -> TooBigError:
    """The one-line error for a ``MemoryError``: what makes a run big, and where to read more."""
    return TooBigError("memory", f"this machine ran out of memory while {where}",
                       "fewer homes (structure.homes_per_site), weeks or replications (run.replications); "
                       "see `When something goes wrong` in README.md")


@contextmanager
def guard(program: str) -> Iterator[None]:
    """Run a command's body: what escapes it ends the command with one line and the documented exit code.

    Args:
        program: The command's name, starting each line.
    """
    try:
        yield
    except KeyboardInterrupt as stop:
        stopped(program, stop=stop)
    except QicsimError as error:
        exit_with(error, program)
    except MemoryError:
        exit_with(out_of_memory(), program)
    except BrokenPipeError:  # the reader went away (qicsim --help | head): nothing to report
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        sys.exit(0)
    except Exception as error:
        stop = interruption(error)
        if stop is None:
            raise
        stopped(program, stop=stop)


def run_guarded(program: str, module: str, function: str = "main") -> NoReturn:
    """Install the SIGTERM handler, then import the command's module and run its entry point in the guard.

    Args:
        program: The command's name.
        module: The module of its entry point (imported inside the guard).
        function: The entry point: called without arguments; what it returns is the exit code.
    """
    install()
    code: object = None
    with guard(program):
        code = getattr(import_module(module), function)()
    sys.exit(code if isinstance(code, int) else 0)


def qicsim() -> NoReturn:
    """``qicsim``: a run, a sweep, ``qicsim plot`` or ``qicsim compare``."""
    run_guarded("qicsim", "qicsim.apps.cli.main")


def collect() -> NoReturn:
    """``qicsim-collect``."""
    run_guarded("qicsim-collect", "qicsim.studies.sweep.collect")


def analyse() -> NoReturn:
    """``qicsim-analyse``."""
    run_guarded("qicsim-analyse", "qicsim.apps.cli.analyse")


def validate() -> NoReturn:
    """``qicsim-validate``."""
    run_guarded("qicsim-validate", "qicsim.apps.cli.validate")


def dashboard() -> NoReturn:
    """``qicsim-dashboard``."""
    run_guarded("qicsim-dashboard", "qicsim.apps.cli.dashboard")


def calibrate() -> NoReturn:
    """``qicsim-calibrate``."""
    run_guarded("qicsim-calibrate", "qicsim.apps.cli.calibrate")

"""Worker processes die with the process that started them, and leave Ctrl-C to it.

A pool's workers (joblib's loky processes, Hydra's joblib launcher, pyabc's forked samplers)
are separate processes: killed with ``kill -9``, the parent takes nothing with it, and loky
workers used to run on for many minutes, writing chunks into a sweep nobody was running. And
Ctrl-C, which the terminal sends to every process of the command, made each worker print a
traceback of its own beside the parent's one line.

So each worker, on its first task, calls :func:`follow_parent`: it ignores SIGINT (the parent
hears Ctrl-C too, and stops the pool), takes SIGTERM's default (die at once), and starts a
watchdog thread that ends the worker within :data:`POLL_SECONDS` of its parent's death, seen as
a change of ``os.getppid()`` (the orphan is adopted by init or a subreaper). Polling the parent
id is portable and, unlike Linux's ``PR_SET_PDEATHSIG``, does not fire when the thread that
started the worker ends while the parent lives on.

A pool made by :func:`parallel` also runs :func:`start_following` as each worker starts, before any
task: a parent killed while its workers were still starting would otherwise leave them waiting,
orphaned, for the pool's idle timeout (300 s), since the first task that would make them follow
never comes.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

R = TypeVar("R")

POLL_SECONDS = 0.5  # how often a worker looks for its parent: it dies within this of the parent's death
OWNER_ENV = "QICSIM_OWNER_PID"  # the command's process id, for workers started by a launcher (Hydra's joblib)
EXIT_ORPHANED = 1
_following: int | None = None  # the process id that already follows its parent (a fork copies the flag)


def follow_parent(owner: int) -> bool:
    """In a direct worker of ``owner``: ignore Ctrl-C and die when ``owner`` dies; elsewhere nothing.

    Safe to call on every task: the watchdog starts once per process. It does nothing in ``owner`` itself
    (a pool that ran its task in the calling process) and in a process that is not ``owner``'s
    child (a Slurm job, a worker of a worker), so that a command is never tied to its shell.

    Args:
        owner: The process id of the process that started the pool.

    Returns:
        Whether this process now follows its parent.
    """
    global _following
    pid = os.getpid()
    if _following != pid:
        if pid == owner or os.getppid() != owner:
            return False
        _following = pid
        threading.Thread(target=_watch, args=(owner,), name="qicsim-follow-parent", daemon=True).start()
    # Set on every call: a task may have set its own (a Hydra job takes Ctrl-C in its process otherwise).
    if threading.current_thread() is threading.main_thread():  # handlers are set from the main thread only
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return True


def _watch(owner: int) -> None:
    """Exit this process, without clean-up or buffered output, once ``owner`` is no longer its parent."""
    while os.getppid() == owner:
        time.sleep(POLL_SECONDS)
    os._exit(EXIT_ORPHANED)  # no atexit, no flush: an orphan must not write anything more


def start_following(owner: int) -> None:
    """A pool worker's initializer: follow ``owner`` from the start, or exit if it has already died.

    Args:
        owner: The process id of the process that started the pool (this worker's parent).
    """
    if not follow_parent(owner) and os.getpid() != owner and os.getppid() != owner:
        os._exit(EXIT_ORPHANED)  # the parent died while this worker was starting: nothing will come


def parallel(n_jobs: int, **options: Any) -> Any:
    """A ``joblib.Parallel`` on loky, whose workers follow this process from their start.

    The initializer is the same function with the same owner on every call from this process, so
    joblib still reuses its pool of workers across calls.

    Args:
        n_jobs: Worker processes.
        **options: Further ``joblib.Parallel`` options (``return_as``, ``batch_size``).

    Returns:
        A ``joblib.Parallel``.
    """
    from joblib import Parallel, parallel_config  # only a pool needs it

    with parallel_config(backend="loky", initializer=start_following, initargs=(os.getpid(),)):
        return Parallel(n_jobs=n_jobs, **options)


def owner_from_environment() -> int | None:
    """The command's process id, as the command set it for its launcher's workers (None if not set)."""
    text = os.environ.get(OWNER_ENV, "")
    return int(text) if text.isdigit() else None


class Following(Generic[R]):
    """A task that makes the worker running it follow the process that made the task (picklable).

    Args:
        task: The task (picklable).
    """

    def __init__(self, task: Callable[..., R]) -> None:
        self.task = task
        self.owner = os.getpid()

    def __call__(self, *args: Any, **kwargs: Any) -> R:
        """Follow the owner (once per worker), then run the task."""
        follow_parent(self.owner)
        return self.task(*args, **kwargs)


def follow_forks() -> None:
    """Every process forked from this one from now on follows it (pyabc's samplers fork their workers).

    Registered once per process; a forked child runs :func:`follow_parent` before anything else.
    """
    global _forks_followed
    if _forks_followed == os.getpid() or not hasattr(os, "register_at_fork"):  # no fork on Windows
        return
    _forks_followed = owner = os.getpid()
    os.register_at_fork(after_in_child=lambda: follow_parent(owner))


_forks_followed: int | None = None

"""Progress bars for long runs and sweeps: a count, a rate and the time left.

tqdm draws on stderr only when it is a terminal (``disable=None``), so logs, pipes, CI and
tests stay quiet.

Bars lock with a thread lock, not tqdm's default, which adds a multiprocessing lock: that is a
named semaphore, which a sweep's worker killed with its command (:mod:`qicsim.run.workers`)
cannot release, so the resource tracker warned of "leaked semaphore objects" under the command's
one line. A worker's bar never shared that lock with another process anyway (loky spawns them).
"""

from __future__ import annotations

import threading

from tqdm.auto import tqdm

tqdm.set_lock(threading.RLock())


def progress_bar(total: int, desc: str, initial: int = 0) -> tqdm:
    """A bar over ``total`` replications, starting at ``initial`` (runs done earlier)."""
    return tqdm(total=total, initial=initial, desc=desc, unit="run", disable=None, smoothing=0.05,
                dynamic_ncols=True)

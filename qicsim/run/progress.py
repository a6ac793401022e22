"""Progress bars for long runs and sweeps: a count, a rate and the time left.

tqdm draws on stderr only when it is a terminal (``disable=None``), so logs, pipes, CI and
tests stay quiet.
"""

from __future__ import annotations

from tqdm.auto import tqdm


def progress_bar(total: int, desc: str, initial: int = 0) -> tqdm:
    """A bar over ``total`` replications, starting at ``initial`` (runs done earlier)."""
    return tqdm(total=total, initial=initial, desc=desc, unit="run", disable=None, smoothing=0.05,
                dynamic_ncols=True)

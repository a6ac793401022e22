"""How much memory and time a run will take, estimated before it starts: refuse what cannot fit, warn when big.

A run of ``run.replications=1000000000000``, or of 100,000 homes (``homes_per_site`` is a list
of up to 100 homes per site, of any length), used to start without a word and run out of memory
hours later. :func:`check_fits` estimates the run's peak memory and its time from its size, and

* refuses it with one line naming the setting that makes it big (:class:`~qicsim.errors.TooBigError`)
  when the memory it needs is more than this machine has available now;
* prints one warning line (``qicsim: warning: ...``) when it needs more than :data:`WARN_MB`
  or half of what is available, or more than :data:`WARN_SECONDS`.

Setting ``QICSIM_NO_ESTIMATE=1`` skips both, for a machine the figures do not describe.

The per-unit figures were measured on the development machine (2 shared cores, Python 3.12,
Mesa 3.3; ``benchmarks/bench_estimate.py`` measures them again):

* time: :data:`HOME_WEEK_SECONDS` a home-week (28 homes: 0.15 s a replication of 130 weeks;
  1,200 homes in 12 sites: 4.2 s), 15% more for each QIC member per home above 2
  (:data:`MEMBER_TIME_SHARE`), and :data:`START_SECONDS` to start (imports, the figure);
* memory: a process that has imported the model and its tables holds :data:`BASE_MB` (247 MB
  peak for one replication of 28 homes). A model holds :data:`MODEL_MB_PER_HOME` a home, more
  in bigger sites (its ties): 0.026 MB at 10 homes a site, 0.058 MB at 100 (Python's tracemalloc
  peak); a replication's tables take :data:`TABLE_MB_PER_HOME` a home and
  :data:`TABLE_MB_PER_SITE_WEEK` a site-week (pandas' deep memory usage). Finished models are
  freed by the cycle collector once a batch (:data:`qicsim.run.stream.BATCH`, 50 replications),
  so up to a batch of models and tables is held at once; every replication keeps a row of the runs
  table for the summary, :data:`RECORD_MB_PER_REPLICATION` (17 kB measured: +5 MB from 100 to 400
  replications). A run held in memory (:func:`qicsim.run.runner.simulate`, ``qicsim plot``) keeps
  every replication's tables.

So a peak of about 7.4 GB for one replication of 100,000 homes in 1,000 sites (the issue measured
6.9 GB), and a refusal of 10^12 replications (20 million GB of runs rows). The estimate is
meant within a factor of 2; weeks change a model's memory little (1,200 homes: 70 MB over 52
weeks, 77 MB over 104) and are left out of it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from qicsim.config.schema import Config
from qicsim.errors import TooBigError

try:
    import resource  # POSIX only: ``ulimit -v``
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

HOME_WEEK_SECONDS = 4e-5
MEMBER_TIME_SHARE = 0.15
START_SECONDS = 2.0
BASE_MB = 250.0
MODEL_MB_PER_HOME = 0.03  # plus MODEL_MB_PER_HOME_PER_SITE_SIZE for each home of its site
MODEL_MB_PER_HOME_PER_SITE_SIZE = 0.0003
TABLE_MB_PER_HOME = 0.008
TABLE_MB_PER_SITE_WEEK = 0.0025
RECORD_MB_PER_REPLICATION = 0.02
HELD_REPLICATIONS = 50  # qicsim.run.stream.BATCH: finished models and tables wait for a batch's end
WARN_SECONDS = 600.0  # warn above 10 minutes
WARN_MB = 2000.0  # warn above 2 GB (many laptops have 8 GB) ...
WARN_MEMORY_SHARE = 0.5  # ... or half the memory available
SKIP_ENV = "QICSIM_NO_ESTIMATE"
_warned: set[tuple[int, int]] = set()  # (memory, seconds) already warned about: a command checks twice


@dataclass(frozen=True)
class Estimate:
    """What a run is expected to take.

    Attributes:
        peak_mb: Peak memory of the process running it, in MB (10^6 bytes).
        seconds: Time to run it, in one process.
        driver: The setting that makes it big: ``run.replications`` or ``structure.homes_per_site``.
        per_replication_mb: What each replication adds to the peak, beyond a batch (its records).
        per_run_mb: What a batch's replication holds (model and tables), the part homes drive.
    """

    peak_mb: float
    seconds: float
    driver: str
    per_replication_mb: float
    per_run_mb: float


def estimate(config: Config, *, in_memory: bool = False, points: int = 1) -> Estimate:
    """Estimate a run's peak memory and time from its homes, sites, members, weeks and replications.

    Args:
        config: A validated config.
        in_memory: Every replication's tables are held (:func:`qicsim.run.runner.simulate`), not streamed.
        points: Design points run with these settings (a sweep), each with the config's replications.

    Returns:
        The estimate (see the module's docstring for the figures).
    """
    s = config.structure
    homes = sum(s.homes_per_site)
    sites = len(s.homes_per_site)
    weeks = s.total_weeks
    replications = config.run.replications
    runs = replications * points
    members = max(0, config.structure.members_per_home - 2)
    seconds = START_SECONDS + runs * HOME_WEEK_SECONDS * homes * weeks * (1 + MEMBER_TIME_SHARE * members)
    model = homes * (MODEL_MB_PER_HOME + MODEL_MB_PER_HOME_PER_SITE_SIZE * homes / sites)
    tables = homes * TABLE_MB_PER_HOME + sites * weeks * TABLE_MB_PER_SITE_WEEK
    held = min(replications, HELD_REPLICATIONS)
    per_replication = RECORD_MB_PER_REPLICATION + (tables if in_memory else 0.0)
    batch = held * (model + (0.0 if in_memory else tables))
    by_replications = replications * per_replication
    driver = "run.replications" if by_replications > batch else "structure.homes_per_site"
    return Estimate(BASE_MB + batch + by_replications, seconds, driver, per_replication, model + tables)


def available_mb() -> float | None:
    """Memory this process can still take, in MB: the least of the machine's, its cgroup's and its ulimit's.

    Returns:
        None where none can be read (not Linux, nor a POSIX system that reports its pages).
    """
    found: list[float] = []
    meminfo = read_text(Path("/proc/meminfo"))
    for line in meminfo.splitlines():
        if line.startswith("MemAvailable:"):
            found.append(int(line.split()[1]) / 1e3)
    limit, used = read_text(Path("/sys/fs/cgroup/memory.max")).strip(), read_text(Path("/sys/fs/cgroup/memory.current"))
    if limit.isdigit() and used.strip().isdigit():
        found.append((int(limit) - int(used)) / 1e6)
    soft, _ = resource.getrlimit(resource.RLIMIT_AS) if resource is not None else (-1, -1)
    if resource is not None and soft != resource.RLIM_INFINITY:  # ulimit -v: address space, the process holds some
        found.append((soft - virtual_bytes()) / 1e6)
    if not meminfo:
        with contextlib.suppress(ValueError, OSError, AttributeError):  # not every system reports its pages
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1e6)
    return max(0.0, min(found)) if found else None


def read_text(path: Path) -> str:
    """A small system file's text, or "" where it does not exist or cannot be read."""
    try:
        return path.read_text()
    except OSError:
        return ""


def virtual_bytes() -> int:
    """This process's address space in bytes (``VmSize``), 0 where it cannot be read."""
    for line in read_text(Path("/proc/self/status")).splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def resident_mb() -> float:
    """This process's resident memory in MB (what it holds already counts towards the estimate's base)."""
    pages = read_text(Path("/proc/self/statm")).split()
    return int(pages[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6 if len(pages) > 1 else 0.0


def check_fits(config: Config, *, in_memory: bool = False, points: int = 1, warn: bool = True) -> Estimate | None:
    """Refuse a run that cannot fit in the memory available; warn about one that is big or long.

    Args:
        config: A validated config.
        in_memory: Its tables are held in memory, not streamed to disk.
        points: Design points run with these settings.
        warn: Print the warning line (once per estimate in this process).

    Returns:
        The estimate, or None when ``QICSIM_NO_ESTIMATE=1`` skips the check.

    Raises:
        TooBigError: Naming the setting that makes the run big and what would fit.
    """
    if os.environ.get(SKIP_ENV, "") not in ("", "0"):
        return None
    found = estimate(config, in_memory=in_memory, points=points)
    available = available_mb()
    if available is None:
        return found
    held = min(resident_mb(), BASE_MB)  # what the process holds already is part of the base
    needed = found.peak_mb - held
    if needed > available:
        raise too_big(config, found, available, room=available + held - BASE_MB)
    big = found.peak_mb > WARN_MB or needed > WARN_MEMORY_SHARE * available or found.seconds > WARN_SECONDS
    if warn and big:
        key = (round(found.peak_mb), round(found.seconds))
        if key not in _warned:
            _warned.add(key)
            print(f"qicsim: warning: this run needs about {size(found.peak_mb)} of memory ({size(available)} "
                  f"available) and about {duration(found.seconds)} in one process; {SKIP_ENV}=1 skips this estimate",
                  file=sys.stderr, flush=True)
    return found


def too_big(config: Config, found: Estimate, available: float, room: float) -> TooBigError:
    """The refusal: the setting that makes the run big, what it needs, and about how much of it would fit.

    Args:
        config: The run's config.
        found: Its estimate.
        available: The memory available, in MB.
        room: What is left of it for the run's work once the base is held, in MB.
    """
    if found.driver == "run.replications":
        batch = min(config.run.replications, HELD_REPLICATIONS) * found.per_run_mb
        fits = int(max(0.0, room - batch) / found.per_replication_mb)
        value, allowed = f"{config.run.replications:,} replications", f"at most about {fits:,} replications here"
    else:
        homes = sum(config.structure.homes_per_site)
        share = max(0.0, room) / max(found.peak_mb - BASE_MB, 1e-9)
        value = f"{homes:,} homes"
        allowed = f"fewer homes (about {int(homes * share):,} fit here), or fewer replications"
    return TooBigError(found.driver, f"{value} need about {size(found.peak_mb)} of memory; "
                       f"this machine has {size(available)} available", allowed)


def size(mb: float) -> str:
    """Memory for people: ``850 MB``, ``7.4 GB``, ``20,000,000 GB``."""
    if mb < 1000:
        return f"{mb:.0f} MB"
    gb = mb / 1000
    return f"{gb:.1f} GB" if gb < 100 else f"{gb:,.0f} GB"


def duration(seconds: float) -> str:
    """Time for people: ``40 s``, ``12 minutes``, ``3.5 hours``, ``2,000 days``, ``10^9 years``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} hours"
    days = seconds / 86400
    return f"{days:,.0f} days" if days < 3650 else f"{days / 365.25:.2g} years"

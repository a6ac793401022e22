"""The folders a command writes to: checks made before anything runs, one writer at a time, atomic writes.

A command claims its output folder before it writes there (:func:`claim`): an exclusive lock
on a hidden file in the folder (``.qicsim.lock``), held until it is done (the file is removed
once the folder holds a complete result). A second command started into the same folder is
refused with one line while the first writes, and finds a result there once it has finished;
the operating system drops the lock of a process that dies, so a killed run leaves no stale
claim behind.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from qicsim.errors import DataError

CLAIM = ".qicsim.lock"  # hidden: never part of a result (result_files leaves it out)
PARTS = ".parts"  # hidden: a run's tables, a batch at a time, until they are joined (qicsim.run.stream)
# This process's claims, by folder: a claim taken twice (the command, then its run) is one lock, counted.
_claims: dict[Path, FileLock] = {}


def check_writable(folder: Path, setting: str = "output") -> None:
    """Refuse a folder that cannot be made or written (it or its nearest existing parent is a file, or read-only).

    Args:
        folder: The folder to write to (it need not exist).
        setting: The setting that chose it, for the message.

    Raises:
        DataError: Naming the file or read-only folder in the way.
    """
    existing = Path(os.path.abspath(folder))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise DataError(str(existing), "is a file, not a folder", f"a folder to write results to (set {setting})")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise DataError(str(existing), "cannot be written to (read-only)",
                        f"a folder you can write to (set {setting}, or run from another folder)")


def result_files(folder: Path) -> list[str]:
    """The files of a result in a folder: everything but hidden entries and logs (Hydra's own)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".") and p.suffix != ".log")


def check_output_folder(folder: Path, setting: str = "output") -> None:
    """Refuse an output folder that cannot be written, or that already holds a result.

    Writing over a result would mix two runs (a stale figure can outlive the tables), so a
    folder is used only if it is new or empty.

    Raises:
        DataError: Naming the folder and what is in the way.
    """
    check_writable(folder, setting)
    held = result_files(folder)
    if held:
        listed = ", ".join(held[:3]) + (", ..." if len(held) > 3 else "")
        raise DataError(str(folder), f"already holds a result ({listed})",
                        f"a new or empty folder (set {setting}), or remove this one first")


def lock_of(path: Path) -> FileLock:
    """This process's lock on a lock file (one object per file, so that taking it again only counts)."""
    key = Path(os.path.abspath(path))
    if key not in _claims:
        _claims[key] = FileLock(key, thread_local=False)
    return _claims[key]


def claim(folder: Path, setting: str = "output") -> FileLock:
    """Claim a new or empty output folder for this process, or refuse it (made if needed).

    The folder is checked before it is touched (a folder holding a result is refused without
    a file written into it), claimed, and checked again: a command that finished there between
    the two has left a result.

    Args:
        folder: The output folder.
        setting: The setting that chose it, for the message.

    Returns:
        The held lock; :func:`release` (or the process's end) lets it go.

    Raises:
        DataError: If the folder cannot be written, holds a result, or another command is writing into it.
    """
    check_output_folder(folder, setting)
    folder.mkdir(parents=True, exist_ok=True)
    lock = lock_of(folder / CLAIM)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise DataError(str(folder), "another qicsim command is writing into it",
                        f"wait for it to finish, or a new or empty folder (set {setting})") from None
    try:
        check_output_folder(folder, setting)
    except DataError:
        lock.release()
        raise
    return lock


def release(folder: Path, finished: bool = False) -> None:
    """Let go of one claim of a folder taken by this process (nothing if it holds none).

    Args:
        folder: The claimed folder.
        finished: The folder now holds a complete result. On the last release its lock file is then
            removed (while still held): any later claim finds the result and is refused all the same,
            and the folder holds the result's files only.
    """
    lock = _claims.get(Path(os.path.abspath(folder / CLAIM)))
    if lock is None or not lock.is_locked:
        return
    if finished and lock.lock_counter == 1:
        (folder / CLAIM).unlink(missing_ok=True)
    lock.release()


@contextmanager
def claimed(folder: Path, setting: str = "output") -> Iterator[None]:
    """Hold a claim on an output folder while writing it (:func:`claim`, then :func:`release`)."""
    claim(folder, setting)
    finished = False
    try:
        yield
        finished = True
    finally:
        release(folder, finished)


def claimed_by_another(folder: Path) -> bool:
    """Whether another process is writing into the folder now (this process's own claims do not count)."""
    lock_file = folder / CLAIM
    if not lock_file.is_file():
        return False
    lock = lock_of(lock_file)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


@contextmanager
def waiting_for(lock_file: Path) -> Iterator[None]:
    """Hold a lock file, waiting while another process holds it (a sweep's job: one process runs it)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_of(lock_file):
        yield


def atomic_write(path: Path, write: Callable[[Path], Any]) -> str:
    """Write a file through a temporary name in the same folder, then rename it into place.

    Args:
        path: The file's final path.
        write: Writes the file at the path it is given.

    Returns:
        The SHA-256 of the bytes written, read before the rename: what this process wrote,
        whatever another writer may later put at ``path``.
    """
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")  # keeps the suffix
    try:
        write(tmp)
        digest = sha256(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return digest


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks (a run's weekly.csv can be gigabytes)."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()

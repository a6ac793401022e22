"""Checks of the folders a command writes to, made before anything runs; the atomic write of a file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qicsim.errors import DataError


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


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write a file through a temporary name in the same folder, then rename it into place."""
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")  # keeps the suffix
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)

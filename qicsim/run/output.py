"""Write a run's results to a folder, with provenance.

Every file is written to a temporary name and renamed into place, and
``provenance.json`` (with a SHA-256 of every file) is written last: a folder without it,
or whose hashes do not match, is not a complete result. Each hash is of the bytes this run
wrote, taken before the file was renamed into place (not read back afterwards), so a table
another writer put there since does not pass :func:`check_complete`; and the run holds its
folder while it writes (:func:`qicsim.run.folders.claim`), so another run is refused there.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from qicsim.config.schema import Config
from qicsim.errors import DataError, WriteError
from qicsim.run.estimate import check_fits
from qicsim.run.folders import atomic_write, check_writable, claimed, sha256
from qicsim.run.results import TABLES, Results
from qicsim.run.stream import PARTS, join_tables, stream_tables

FIGURE = "implemented_by_site.png"
PROVENANCE = "provenance.json"
EXPECTED_FILES = ("config.yaml", *(f"{name}.{kind}" for name in TABLES for kind in ("csv", "parquet")))
BAND = (0.05, 0.5, 0.95)  # the figure: median and the middle 90% of replications
PACKAGES = ("mesa", "numpy", "pandas", "matplotlib", "hydra-core", "omegaconf", "pyarrow", "SALib", "sympy")


def git_commit() -> str | None:
    """The commit of the qicsim checkout, with ``+dirty`` if it has changes, or None."""
    root = Path(__file__).resolve().parents[2]  # the checkout that holds the package, if any
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def environment() -> dict[str, Any]:
    """What software produced a result: qicsim's version and commit, Python, platform, packages."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "qicsim_version": metadata.version("qicsim"),
        "git_commit": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
    }


def provenance(results: Results, command: list[str]) -> dict[str, Any]:
    """What produced the results: versions, seeds and the command line."""
    return {
        **environment(),
        "scenario": results.config["scenario"],
        "master_seed": results.config["run"]["seed"],
        "replications": results.config["run"]["replications"],
        "replication_seeds": [int(s) for s in results.runs["seed"]],
        **ensemble_record(results.config["run"].get("ensemble")),
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def ensemble_record(name_or_path: str | None) -> dict[str, Any]:
    """Provenance of the ensemble a run drew its parameters from: its file and SHA-256 (nothing without one)."""
    if name_or_path is None:
        return {}
    from qicsim.config.ensemble import describe, load_ensemble

    return {"ensemble": describe(load_ensemble(name_or_path))}


__all__ = ["sha256"]  # re-exported: where the studies take it from


def _guarded(folder: Path, write: Callable[[], Any]) -> Any:
    """Claim the folder (refused if it holds a result or another run writes there), then write it.

    An OS error becomes one line.
    """
    check_writable(folder)
    try:
        with claimed(folder):
            return write()
    except OSError as error:
        raise WriteError(str(error.filename or folder), f"cannot be written ({error.strerror or error})",
                         "a folder you can write to, on a disk with space") from error


def write_run(config: Config, folder: Path, command: list[str] | None = None,
              changes: list[str] | None = None, label: dict[str, str] | None = None) -> Results:
    """Run a config's replications straight into a result folder; memory stays flat in replications.

    The tables go to disk a batch of replications at a time (:mod:`qicsim.run.stream`); what is
    returned holds the runs table (for the summary) and reads the others from the folder when asked.

    Args:
        config: A validated config.
        folder: Output folder (created if needed; Hydra's own files may be there).
        command: The command line to record (defaults to ``sys.argv``).
        changes: The settings changed from the scenario, named in the figure's title
            (:func:`qicsim.config.changes.result_changes`; none if not given).
        label: What the folder is named after (the command's ``results/<label>/<time>``), recorded in
            the provenance: the name, the overrides in full and their hash.

    Returns:
        The results, with their provenance.

    Raises:
        DataError: If the folder holds a result already, or cannot be written.
        TooBigError: If the run cannot fit in this machine's memory (:mod:`qicsim.run.estimate`).
    """
    check_fits(config)  # before the folder is touched

    def write() -> Results:
        try:
            results = stream_tables(config, folder)
            written = {"config.yaml": put(folder, "config.yaml",
                                          lambda p: p.write_text(yaml.safe_dump(results.config, sort_keys=False)))}
            written.update(join_tables(folder))
            finish(results, folder, written, command, changes, label)
        except BaseException:  # an error, Ctrl-C, SIGTERM (qicsim.apps.cli.console), out of memory
            remove_partial(folder)
            raise
        return results

    return _guarded(folder, write)


def remove_partial(folder: Path) -> None:
    """Remove what an unfinished run wrote: its parts (``.parts``) and any table or figure, unless it finished.

    The folder was new or empty when the run claimed it, so every result file in it is the run's own;
    without ``provenance.json`` none of them is a result, and none is left to look like one.
    """
    shutil.rmtree(folder / PARTS, ignore_errors=True)
    if (folder / PROVENANCE).exists():  # finished just before the stop: a complete result stays
        return
    for name in (*EXPECTED_FILES, FIGURE):
        (folder / name).unlink(missing_ok=True)


def put(folder: Path, name: str, write: Callable[[Path], Any]) -> str:
    """Write one file of a result atomically; return the SHA-256 of what was written."""
    return atomic_write(folder / name, write)


def finish(results: Results, folder: Path, written: dict[str, str], command: list[str] | None,
           changes: list[str] | None = None, label: dict[str, str] | None = None) -> None:
    """The figure, then provenance.json with every file's hash: written last, it marks the folder complete.

    Args:
        results: The run's results.
        folder: Its folder.
        written: Each file written so far, by name, with the SHA-256 of what was written.
        command: The command line to record (defaults to ``sys.argv``).
        changes: The settings changed from the scenario, for the figure's title.
        label: What the folder is named after, if the command named it (see :func:`write_run`).
    """
    cfg = results.config
    if cfg["run"].get("figure", True):
        # Imported here: matplotlib costs ~0.5 s at start-up, and only a figure needs it.
        from qicsim.run.plot import draw_band, figure_title

        structure = cfg["structure"]
        written[FIGURE] = put(folder, FIGURE, lambda p: draw_band(
            results.band.stats(BAND), len(results.runs), p, title=figure_title(cfg["scenario"], changes or []),
            support_weeks=structure["collaborative_weeks"], event_weeks=structure["learning_event_weeks"]))
    prov = provenance(results, list(command if command is not None else sys.argv))
    if label is not None:
        prov["label"] = label
    prov["files"] = dict(written)
    prov["complete"] = True
    results.provenance = prov
    put(folder, PROVENANCE, lambda p: p.write_text(json.dumps(prov, indent=2)))


def check_complete(folder: Path) -> dict[str, Any]:
    """Check that a result folder is complete and unaltered.

    Args:
        folder: A folder written by :func:`write_run`.

    Returns:
        Its provenance.

    Raises:
        DataError: If provenance is missing or corrupt, or a file is missing or altered.
    """
    path = folder / PROVENANCE
    if not path.is_file():
        raise DataError(str(folder), f"no {PROVENANCE}: the run did not finish", "a complete result folder")
    try:
        prov = json.loads(path.read_text())
        files = prov["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(str(path), "corrupt provenance", "a complete result folder") from exc
    if not isinstance(files, dict):
        raise DataError(str(path), "corrupt provenance: 'files' is not a mapping", "a complete result folder")
    for name in EXPECTED_FILES:
        if not (folder / name).is_file():
            raise DataError(str(folder / name), "missing", "a complete result folder")
    for name in EXPECTED_FILES:
        if name not in files:
            raise DataError(str(folder / name), "not recorded in provenance", "a complete result folder")
    for name, digest in files.items():
        file = folder / name
        if not file.is_file() or sha256(file) != digest:
            raise DataError(str(file), "missing or altered since the run", "a complete result folder")
    return prov

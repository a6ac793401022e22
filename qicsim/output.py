"""Write a run's results to a folder, with provenance, and summarise them on one screen.

Every file is written to a temporary name and renamed into place, and
``provenance.json`` (with a SHA-256 of every file) is written last: a folder without it,
or whose hashes do not match, is not a complete result.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import yaml

import qicsim
from qicsim.errors import ConfigError
from qicsim.runner import Results

FIGURE = "implemented_by_site.png"
PROVENANCE = "provenance.json"
EXPECTED_FILES = ("config.yaml", *(f"{name}.csv" for name in Results.TABLES))
PACKAGES = ("mesa", "numpy", "pandas", "matplotlib", "hydra-core", "omegaconf", "pyarrow", "SALib", "sympy")
SUMMARY_OUTCOMES = (
    "implemented", "homes_with_implementation", "weeks_to_first_implementation", "spread",
    "sustained", "sustained_share", "pdsa_cycles", "measured_share", "share_led_care_home",
    "share_led_gp", "care_home_attendance_share", "disciplines_per_implemented", "cost_gbp",
)


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write a file through a temporary name in the same folder, then rename it into place."""
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")  # keeps the suffix
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def git_commit() -> str | None:
    """The commit of the qicsim checkout, with ``+dirty`` if it has changes, or None."""
    root = Path(qicsim.__file__).resolve().parents[1]
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
        "qicsim_version": qicsim.__version__,
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
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_results(results: Results, folder: Path, command: list[str] | None = None) -> Path:
    """Write the config, tables, figure and provenance of a run.

    Args:
        results: What :func:`qicsim.runner.simulate` returned.
        folder: Output folder (created if needed).
        command: The command line to record (defaults to ``sys.argv``).

    Returns:
        The folder.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(name: str, write: Callable[[Path], Any]) -> None:
        path = folder / name
        atomic_write(path, write)
        written.append(path)

    put("config.yaml", lambda p: p.write_text(yaml.safe_dump(results.config, sort_keys=False)))
    for name in Results.TABLES:
        table = getattr(results, name)
        put(f"{name}.csv", lambda p, t=table: t.to_csv(p, index=False))
    if results.config["run"].get("figure", True):
        # Imported here: matplotlib costs ~0.5 s at start-up, and only a figure needs it.
        from qicsim.plot import implemented_over_time

        structure = results.config["structure"]
        put(FIGURE, lambda p: implemented_over_time(
            results.weekly, p, title=f"qicsim: {results.config['scenario']}",
            support_weeks=structure["collaborative_weeks"],
            event_weeks=structure["learning_event_weeks"]))
    prov = provenance(results, list(command if command is not None else sys.argv))
    prov["files"] = {p.name: sha256(p) for p in written}
    prov["complete"] = True
    results.provenance = prov
    put(PROVENANCE, lambda p: p.write_text(json.dumps(prov, indent=2)))
    return folder


def check_complete(folder: Path) -> dict[str, Any]:
    """Check that a result folder is complete and unaltered.

    Args:
        folder: A folder written by :func:`write_results`.

    Returns:
        Its provenance.

    Raises:
        ConfigError: If provenance is missing or corrupt, or a file is missing or altered.
    """
    path = folder / PROVENANCE
    if not path.is_file():
        raise ConfigError(str(folder), f"no {PROVENANCE}: the run did not finish", "a complete result folder")
    try:
        prov = json.loads(path.read_text())
        files = prov["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(str(path), "corrupt provenance", "a complete result folder") from exc
    if not isinstance(files, dict):
        raise ConfigError(str(path), "corrupt provenance: 'files' is not a mapping", "a complete result folder")
    for name in EXPECTED_FILES:
        if not (folder / name).is_file():
            raise ConfigError(str(folder / name), "missing", "a complete result folder")
    for name in EXPECTED_FILES:
        if name not in files:
            raise ConfigError(str(folder / name), "not recorded in provenance", "a complete result folder")
    for name, digest in files.items():
        file = folder / name
        if not file.is_file() or sha256(file) != digest:
            raise ConfigError(str(file), "missing or altered since the run", "a complete result folder")
    return prov


def summary(results: Results, folder: Path | None = None) -> str:
    """A one-screen summary: key outcomes, mean and 5-95% range across replications."""
    runs = results.runs
    cfg = results.config
    lines = [
        f"qicsim {qicsim.__version__}: scenario '{cfg['scenario']}', {len(runs)} replications, "
        f"master seed {cfg['run']['seed']}, {sum(cfg['structure']['homes_per_site'])} homes in "
        f"{len(cfg['structure']['homes_per_site'])} sites, "
        f"{cfg['structure']['collaborative_weeks']}+{cfg['structure']['follow_up_weeks']} weeks",
        f"{'outcome (per run)':34s} {'mean':>10s} {'5%':>10s} {'95%':>10s}",
    ]
    for name in SUMMARY_OUTCOMES:
        values = runs[name].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        if not len(values):
            lines.append(f"{name:34s} {'n/a':>10s}")
            continue
        lo, hi = np.quantile(values, [0.05, 0.95])
        lines.append(f"{name:34s} {values.mean():10.2f} {lo:10.2f} {hi:10.2f}")
    if folder is not None:
        lines.append(f"results: {folder}")
    return "\n".join(lines)

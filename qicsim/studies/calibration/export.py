"""The accepted particles as an ensemble file (``run.ensemble``), with its metadata, and shipping it.

``ensemble.csv`` holds one row per particle of the last generation: the calibrated parameters
and ``weight``; ``ensemble.json`` says where it comes from (calibration, date, commit,
targets, priors, seed, particles, epsilon). Shipping is asked for (``qicsim-calibrate --ship``),
never a side effect: both files are then copied to ``<configs>/ensemble/<ship_as>.csv|json``,
where ``run.ensemble=<ship_as>`` finds them; ``<configs>`` is ``$QICSIM_CONFIG_DIR`` or the
repository's ``configs/``, never the installed package's.

Run again on a finished calibration, the files are rewritten only if what they hold changed: a
finished calibration's record and ensemble stay as they are (their date too).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qicsim.config.ensemble import FOLDER, WEIGHT, load_ensemble
from qicsim.errors import ConfigError
from qicsim.model.parameters import RECORDED_STRUCTURE
from qicsim.run.folders import atomic_write
from qicsim.studies.calibration.posterior import Posterior, effective_sample_size
from qicsim.studies.calibration.settings import PARAMETER_FIELDS, CalibrationSettings, as_plain
from qicsim.studies.calibration.smc import Outcome, structure_of


def write_ensemble(settings: CalibrationSettings, folder: Path, posterior: Posterior, outcome: Outcome,
                   record: dict[str, Any]) -> Path:
    """Write ``ensemble.csv`` and ``ensemble.json`` into the calibration's folder, checked by reading back.

    Returns:
        The CSV's path.
    """
    table = posterior.parameters[list(settings.priors)].copy()
    for name in table.columns:
        if PARAMETER_FIELDS[name].metadata.get("integer"):
            table[name] = table[name].round().astype("int64")
    table[WEIGHT] = posterior.weights
    csv = folder / "ensemble.csv"
    atomic_write(csv, lambda p: table.to_csv(p, index=False, float_format="%.10g"))
    ensemble = load_ensemble(str(csv))  # the same checks a run makes
    sessions = record.get("sessions") or [{}]
    meta = {
        "calibration": settings.name, "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": sessions[0].get("git_commit"), "report_commit": sessions[-1].get("git_commit"),
        "qicsim_version": sessions[-1].get("qicsim_version"),
        "scenario": settings.scenario, "overrides": list(settings.overrides), "seed": settings.seed,
        "particles": len(table), "effective_sample_size": round(effective_sample_size(posterior.weights), 1),
        "generation": posterior.generation, "epsilon": posterior.epsilon,
        "stopped": outcome.stopped, "particle_evaluations": outcome.simulations,
        "replications_per_particle": settings.replications, "wall_seconds": round(outcome.seconds, 1),
        "targets": as_plain(settings)["targets"], "priors": as_plain(settings)["priors"],
        "fingerprint": record.get("fingerprint"), "sha256": ensemble.sha256,
        "history": f"results/calibration/{settings.name}/history.db",
    }
    switches = structure_of(settings)
    if switches != RECORDED_STRUCTURE:  # records made under the structure of their time name none (fitted_structure)
        meta = {**meta, "structure": switches}
    if not same_record(folder / "ensemble.json", meta):
        atomic_write(folder / "ensemble.json", lambda p: p.write_text(json.dumps(meta, indent=2, default=str)))
    return csv


def same_record(path: Path, meta: dict[str, Any]) -> bool:
    """Whether ``path`` already holds ``meta``, but for its date of creation."""
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    new = json.loads(json.dumps(meta, default=str))
    return isinstance(old, dict) and {**old, "created": None} == {**new, "created": None}


def ship_target(settings: Any) -> Path:
    """Where ``--ship`` copies the ensemble: ``<configs>/ensemble/<ship_as>.csv``, checked before any sampling.

    ``settings``: a calibration's settings (any with ``ship_as``: one to PEACH, or across programmes).

    Raises:
        ConfigError: If ``ship_as`` is empty, or the configs folder is the installed package's.
    """
    from qicsim.config.paths import config_dir, inside_package

    if not settings.ship_as:
        raise ConfigError("calibration.ship_as", "empty with --ship", "the name to ship the ensemble as, e.g. "
                          "ship_as=peach (configs/ensemble/peach.csv)")
    configs = config_dir()
    if inside_package(configs):
        raise ConfigError("--ship", f"{configs} is inside the installed qicsim package",
                          "a checkout of the repository (its configs/), or QICSIM_CONFIG_DIR set to a configs "
                          "folder of your own")
    return configs / FOLDER / f"{settings.ship_as}.csv"


def ship(folder: Path, target: Path) -> Path:
    """Copy the folder's ensemble to ``target`` (a CSV path from :func:`ship_target`) and its ``.json`` beside it.

    Returns:
        The shipped CSV's path.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".csv", ".json"):
        source = folder / f"ensemble{suffix}"
        atomic_write(target.with_suffix(suffix), lambda p, s=source: shutil.copyfile(s, p))
    return target

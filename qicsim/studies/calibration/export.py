"""The accepted particles as an ensemble file (``run.ensemble``), with its metadata, and shipping it.

``ensemble.csv`` holds one row per particle of the last generation: the calibrated parameters
and ``weight``; ``ensemble.json`` says where it comes from (calibration, date, commit,
targets, priors, seed, particles, epsilon). With ``ship_as``, both are copied to
``configs/ensemble/<ship_as>.csv|json``, where ``run.ensemble=<ship_as>`` finds them.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qicsim.config.ensemble import FOLDER, WEIGHT, load_ensemble
from qicsim.run.folders import atomic_write
from qicsim.studies.calibration.posterior import Posterior, effective_sample_size
from qicsim.studies.calibration.settings import PARAMETER_FIELDS, CalibrationSettings, as_plain
from qicsim.studies.calibration.smc import Outcome


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
    atomic_write(folder / "ensemble.json", lambda p: p.write_text(json.dumps(meta, indent=2, default=str)))
    return csv


def ship(folder: Path, name: str) -> Path:
    """Copy the folder's ensemble to ``configs/ensemble/<name>.csv`` (and ``.json``).

    Returns:
        The shipped CSV's path.
    """
    from qicsim.config.loader import config_dir

    target = config_dir() / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for suffix in (".csv", ".json"):
        source = folder / f"ensemble{suffix}"
        atomic_write(target / f"{name}{suffix}", lambda p, s=source: shutil.copyfile(s, p))
    return target / f"{name}.csv"

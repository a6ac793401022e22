"""Synthetic sweeps in the dataset format of docs/sweep-format.md, for the analysis tests.

No tests here: builders of (dataset, manifest) pairs whose true effects are known, and a
writer of a sweep folder. The outcomes are functions of the factor values chosen by each test.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from qicsim.model.contexts import BY_CODE, CONTEXTS
from qicsim.studies.sweep.collect import write_dataset

NINE = tuple(f"C{i}" for i in range(1, 10))
Outcomes = Callable[[dict[str, np.ndarray], np.random.Generator], dict[str, np.ndarray]]


def context_factor(code: str, levels: list[float] | None = (0, 1)) -> dict:
    info = BY_CODE[code]
    return {"name": info.name, "code": code, "kind": "context", "bounds": [0.0, 1.0],
            "levels": None if levels is None else list(levels), "integer": False}


def manifest(design: str, factors: list[dict], points: int, replications: int, **settings: object) -> dict:
    return {"format": "qicsim-sweep/1", "name": f"test-{design}", "design": design, "fingerprint": "f" * 64,
            "factors": factors, "settings": {"jobs": 1, **settings}, "points": points,
            "replications": replications, "master_seed": 7, "jobs": 1, "config": {}, "qicsim_version": "0.1.0"}


def _rows(design: str, factors: list[dict], x: np.ndarray, replications: int, outcomes: Outcomes,
          seed: int) -> pd.DataFrame:
    """Rows of every point and replication; ``outcomes`` maps code -> values per row to columns."""
    points = len(x)
    point = np.repeat(np.arange(points), replications)
    data = {"point": point, "base": "no_contexts",
            "label": [" ".join(f"{f['code']}={v:g}" for f, v in zip(factors, x[p], strict=True)) for p in point]}
    for j, f in enumerate(factors):
        data[f["name"]] = x[point, j]
    data["replication"] = np.tile(np.arange(replications), points)
    data["seed"] = np.arange(points * replications) + 1000
    rng = np.random.default_rng(seed)
    values = {f["code"]: x[point, j] for j, f in enumerate(factors)}
    data.update(outcomes(values, rng))
    return pd.DataFrame(data)


def factorial(outcomes: Outcomes, codes: tuple[str, ...] = NINE, replications: int = 4,
              seed: int = 1) -> tuple[pd.DataFrame, dict]:
    """A two-level full factorial over contexts (levels 0, 1), first factor slowest."""
    factors = [context_factor(c) for c in codes]
    x = np.array(list(itertools.product([0.0, 1.0], repeat=len(codes))))
    return _rows("factorial", factors, x, replications, outcomes, seed), \
        manifest("factorial", factors, len(x), replications)


def sampled(design: str, x: np.ndarray, outcomes: Outcomes, codes: tuple[str, ...] = NINE, replications: int = 1,
            seed: int = 1, factors: list[dict] | None = None, **settings: object) -> tuple[pd.DataFrame, dict]:
    """A Morris or Sobol design from a SALib sample ``x``."""
    factors = factors or [context_factor(c, None) for c in codes]
    return _rows(design, factors, x, replications, outcomes, seed), \
        manifest(design, factors, len(x), replications, **settings)


def one_at_a_time(effects: dict[str, float], bases: tuple[str, ...] = ("peach",), replications: int = 20,
                  noise: float = 0.1, seed: int = 1) -> tuple[pd.DataFrame, dict]:
    """Each base, then each context removed; ``implemented`` = 10 + effects[removed] + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    point = 0
    for base in bases:
        for removed in ("", *(c.name for c in CONTEXTS)):
            for r in range(replications):
                rows.append({"point": point, "base": base, "label": f"without {removed}" if removed else base,
                             "removed": removed, "replication": r, "seed": point * 100 + r,
                             "implemented": 10 + effects.get(removed, 0.0) + noise * rng.standard_normal()})
            point += 1
    m = manifest("one_at_a_time", [], point, replications, bases=list(bases))
    m["factors"] = []
    return pd.DataFrame(rows), m


def write_sweep(folder: Path, data: pd.DataFrame, design: dict) -> Path:
    """Write design.json, then the dataset as the collector does (Parquet, CSV, dataset.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "design.json").write_text(json.dumps(design, indent=2))
    write_dataset(folder, pa.Table.from_pandas(data, preserve_index=False), design)
    return folder

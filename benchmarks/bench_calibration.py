"""Calibration benchmark (issue 12): model evaluations per second, and the shipped calibration's wall time.

Two figures:

* **particle evaluations in one process**: particles drawn from the shipped calibration's
  priors, each evaluated as the calibration does (``replications`` PEACH runs with the
  particle's seeds), timed in this process: model runs per second on one core;
* **the shipped calibration** (``results/calibration/<name>/``, made by
  ``qicsim-calibrate <name>``): its wall time over all sessions and model runs per second
  with its sampler, read from its record and pyabc history.

The machine is shared: the load average at start and end is recorded beside the figures.
Writes ``benchmarks/results/calibration.json`` and ``calibration.md``.

Usage::

    .venv/bin/python benchmarks/bench_calibration.py [--particles 20] [--name peach]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyabc
from bench_core import environment, load_average, write_atomic

from qicsim.studies.calibration.settings import load_settings
from qicsim.studies.calibration.smc import HISTORY, RECORD, model_of, priors_of

RESULTS = Path(__file__).resolve().parent / "results"


def bench_particles(name: str, particles: int) -> dict[str, Any]:
    """Evaluate ``particles`` prior draws as the calibration does; model runs per second in one process."""
    settings = load_settings(name)
    model = model_of(settings)
    np.random.seed(1)
    draws = [dict(priors_of(settings).rvs()) for _ in range(particles)]
    model(draws[0])  # warm-up: imports and caches
    start = time.perf_counter()
    for draw in draws:
        model(draw)
    seconds = time.perf_counter() - start
    runs = particles * settings.replications
    return {"particles": particles, "replications_per_particle": settings.replications, "model_runs": runs,
            "seconds": round(seconds, 2), "model_runs_per_second": round(runs / seconds, 2),
            "ms_per_model_run": round(1000 * seconds / runs, 1)}


def sampled(session: dict[str, Any]) -> bool:
    """Whether a session of the calibration sampled generations (not only rewrote the report)."""
    return session.get("generations_after", session.get("generations_before")) != session.get("generations_before")


def shipped(name: str, root: Path) -> dict[str, Any] | None:
    """The shipped calibration's wall time and throughput, from its record and history (None if not run)."""
    folder = root / name
    if not (folder / RECORD).is_file():
        return None
    record = json.loads((folder / RECORD).read_text())
    history = pyabc.History(f"sqlite:///{(folder / HISTORY).resolve()}")
    settings = record["settings"]
    populations = history.get_all_populations()
    evaluations = int(populations["samples"].sum())  # every particle evaluated, the prior calibration sample too
    runs = evaluations * settings["replications"]
    seconds = float(record["seconds"])
    return {"name": name, "wall_seconds": round(seconds, 1), "wall_minutes": round(seconds / 60, 2),
            "generations": int(history.max_t) + 1, "particle_evaluations": evaluations, "model_runs": runs,
            "model_runs_per_second": round(runs / seconds, 2), "sampler": settings["sampler"],
            "n_procs": settings["n_procs"], "population": settings["population"],
            "replications_per_particle": settings["replications"], "stopped": record.get("stopped"),
            "sessions": len(record.get("sessions", [])),
            "sampling_sessions": [{"commit": x.get("git_commit"), "started": x.get("started"),
                                   "generations": [x.get("generations_before"), x.get("generations_after")]}
                                  for x in record.get("sessions", []) if sampled(x)]}


def render(result: dict[str, Any]) -> str:
    """The Markdown summary."""
    p, s = result["particles"], result["shipped"]
    env = result["environment"]
    lines = ["# Calibration benchmark", "", "<!-- Written by `python benchmarks/bench_calibration.py`. -->", "",
             f"Commit `{env['git_commit']}`, {env['date']}, {env['cpus_usable']} usable CPUs, load average "
             f"{env['load_average_1m']['start']} at start and {env['load_average_1m']['end']} at end "
             "(a machine shared with other work: figures vary with its load).", "",
             "| measure | value |", "|---|---:|",
             f"| particle evaluations in one process: model runs per second | {p['model_runs_per_second']} |",
             f"| ... milliseconds per PEACH model run | {p['ms_per_model_run']} |",
             f"| ... particles timed (x {p['replications_per_particle']} runs) | {p['particles']} |"]
    if s:
        lines += [f"| shipped calibration `{s['name']}`: wall time, minutes | {s['wall_minutes']} |",
                  f"| ... model runs per second ({s['sampler']} sampler, {s['n_procs']} processes) | "
                  f"{s['model_runs_per_second']} |",
                  f"| ... particle evaluations (x {s['replications_per_particle']} runs) | "
                  f"{s['particle_evaluations']} |",
                  f"| ... generations of {s['population']} particles | {s['generations']} |",
                  "", f"Stopped: {s['stopped']}; {s['sessions']} session(s), of which sampling:"]
        lines += [f"- started {x['started']} at commit `{x['commit']}`: generations {x['generations'][0]} to "
                  f"{x['generations'][1]}" for x in s["sampling_sessions"]]
    else:
        lines += ["", "The shipped calibration has not been run here (`qicsim-calibrate peach`)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--particles", type=int, default=20)
    parser.add_argument("--name", default="peach")
    parser.add_argument("--results-dir", default="results/calibration")
    args = parser.parse_args()
    env = environment()
    particles = bench_particles(args.name, args.particles)
    env["load_average_1m"]["end"] = load_average()
    result = {"environment": env, "particles": particles, "shipped": shipped(args.name, Path(args.results_dir))}
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "calibration.json", json.dumps(result, indent=2) + "\n")
    write_atomic(RESULTS / "calibration.md", render(result))
    print(render(result))


if __name__ == "__main__":
    main()

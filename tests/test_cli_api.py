"""The ``qicsim`` command and the Python API: help, composed config, a real small run and
what it writes, quiet logging, every shipped scenario, and ``qicsim.run(output=...)``."""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import qicsim
from qicsim.model.contexts import CONTEXT_NAMES
from qicsim.run.output import check_complete

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "configs" / "scenario"
SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
WITHOUT = [name for name in SCENARIOS if name.startswith("without_")]
TABLE_FILES = [f"{name}.{kind}" for name in qicsim.Results.TABLES for kind in ("csv", "parquet")]
EXPECTED_FILES = {"config.yaml", "provenance.json", "implemented_by_site.png", *TABLE_FILES}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MASTER_SEED = 20160901  # configs/config.yaml
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}")
# Mesa's logger is "MESA"; also any DEBUG/INFO line that mentions mesa.
LOG_LINE = re.compile(r"MESA|(?i:mesa).*\b(DEBUG|INFO)\b|\b(DEBUG|INFO)\b.*(?i:mesa)")


def test_help(tmp_path: Path, cli: Any) -> None:
    proc = cli(["--help"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "qicsim" in proc.stdout
    assert "scenario" in proc.stdout and "peach" in proc.stdout
    assert not (tmp_path / "results").exists()


def test_cfg_job_prints_the_composed_config(tmp_path: Path, cli: Any) -> None:
    proc = cli(["--cfg", "job"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^scenario: peach$", proc.stdout, re.MULTILINE), proc.stdout
    cfg = yaml.safe_load(proc.stdout)
    assert cfg["run"]["seed"] == MASTER_SEED
    assert set(cfg["contexts"]) == set(CONTEXT_NAMES)
    assert cfg["structure"]["homes_per_site"] == qicsim.scenario_config().structure.homes_per_site
    assert not (tmp_path / "results").exists(), "--cfg job must not run anything"


def test_small_run_writes_a_complete_result_folder(cli_run: tuple[Any, Path, Path]) -> None:
    proc, cwd, folder = cli_run
    # named by its override: a slug, then a short hash of the override in full (recorded in the provenance)
    assert folder.parent == cwd / "results" / "peach+structure.homes_per_site=3,3-b4ff4815"
    assert TIMESTAMP.match(folder.name), folder.name
    names = {p.name for p in folder.iterdir() if not p.name.startswith(".") and p.suffix != ".log"}
    assert names == EXPECTED_FILES

    config = yaml.safe_load((folder / "config.yaml").read_text())
    assert config["scenario"] == "peach"
    assert config["structure"]["homes_per_site"] == [3, 3]
    assert config["run"]["replications"] == 2

    runs = pd.read_csv(folder / "runs.csv")
    assert len(runs) == 2
    assert list(runs["replication"]) == [0, 1]
    assert list(runs["seed"]) == [qicsim.replication_seed(MASTER_SEED, i) for i in range(2)]
    for outcome in ("implemented", "sustained", "spread", "pdsa_cycles", "cost_gbp", "measured_share"):
        assert outcome in runs.columns, outcome
    assert runs["projects_started"].sum() > 0

    homes = pd.read_csv(folder / "homes.csv")
    assert len(homes) == 2 * 6 and {"replication", "seed", "site", "home", "implemented"} <= set(homes.columns)
    sites = pd.read_csv(folder / "sites.csv")
    assert len(sites) == 2 * 2 and sorted(sites["site"].unique()) == ["site_1", "site_2"]
    weekly = pd.read_csv(folder / "weekly.csv")
    assert list(weekly.columns) == ["replication", "seed", "week", "site", "measure", "value"]
    weeks = config["structure"]["collaborative_weeks"] + config["structure"]["follow_up_weeks"]
    assert sorted(weekly["week"].unique()) == list(range(weeks))
    assert len(weekly) == 2 * weeks * 2 * weekly["measure"].nunique()
    mechanisms = pd.read_csv(folder / "mechanisms.csv")
    assert {"replication", "seed", "site", "unit", "mechanism", "value"} <= set(mechanisms.columns)
    projects = pd.read_csv(folder / "projects.csv")
    assert len(projects) == runs["projects_started"].sum()

    prov = json.loads((folder / "provenance.json").read_text())
    for key in ("qicsim_version", "python", "packages", "master_seed", "command", "replication_seeds"):
        assert key in prov, key
    assert prov["qicsim_version"] == qicsim.__version__
    assert prov["packages"]["mesa"] == metadata.version("mesa")
    assert prov["packages"]["numpy"] == metadata.version("numpy")
    assert prov["master_seed"] == MASTER_SEED
    assert prov["replication_seeds"] == list(runs["seed"])
    assert "run.replications=2" in prov["command"]
    assert (folder / "implemented_by_site.png").read_bytes()[:8] == PNG_MAGIC
    check_complete(folder)

    out = proc.stdout
    assert "scenario 'peach', changed: structure.homes_per_site=[3,3]" in out
    assert "2 replications (master seed 20160901)" in out
    assert re.search(r"^improvements implemented\s+[\d.]+", out, re.MULTILINE), out
    assert f"results: {folder}" in out or str(folder.relative_to(cwd)) in out


def test_mesa_step_logging_is_silent(cli_run: tuple[Any, Path, Path]) -> None:
    proc, _, folder = cli_run
    for text in (proc.stdout, proc.stderr, *(p.read_text() for p in folder.glob("*.log"))):
        assert not LOG_LINE.search(text), text[:2000]


def test_log_check_sees_mesa_when_it_is_switched_on(tmp_path: Path, cli: Any) -> None:
    """Control for the test above: with Mesa's logger at DEBUG the same check does fire."""
    proc = cli(["run.replications=1", "structure.homes_per_site=[1]", "run.figure=false",
                "hydra.job_logging.loggers.MESA.level=DEBUG"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert LOG_LINE.search(proc.stdout + proc.stderr)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_composes(scenario: str) -> None:
    config = qicsim.scenario_config(scenario)
    assert config.scenario == scenario, "a scenario file must name itself"
    assert config.description
    for name in CONTEXT_NAMES:
        assert 0 <= getattr(config.contexts, name).intensity <= 1


def test_scenarios_include_the_expected_ones() -> None:
    assert {"peach", "all_contexts", "no_contexts"} <= set(SCENARIOS)
    assert {name.removeprefix("without_") for name in WITHOUT} == set(CONTEXT_NAMES)


@pytest.mark.parametrize("scenario", WITHOUT)
def test_without_scenario_removes_exactly_its_context(scenario: str) -> None:
    removed = scenario.removeprefix("without_")
    config = qicsim.scenario_config(scenario)
    for name in CONTEXT_NAMES:
        setting = getattr(config.contexts, name)
        assert setting.intensity == (0.0 if name == removed else 1.0), name
        assert not setting.sites and not setting.schedule, name


def test_api_run_with_output_writes_the_same_files(tmp_path: Path, cli_run: tuple[Any, Path, Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "api_out"
    results = qicsim.run("peach", replications=2, overrides=["structure.homes_per_site=[3,3]"], output=out)
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES
    prov = check_complete(out)
    assert prov["master_seed"] == MASTER_SEED and prov["replication_seeds"] == list(results.runs["seed"])
    assert (out / "implemented_by_site.png").read_bytes()[:8] == PNG_MAGIC
    for name in qicsim.Results.TABLES:
        assert (out / f"{name}.csv").read_text() == getattr(results, name).to_csv(index=False), name
    # Same settings as the CLI run: the config and every table are byte for byte the same.
    cli_prov = json.loads((cli_run[2] / "provenance.json").read_text())
    for name in ("config.yaml", *TABLE_FILES):
        assert prov["files"][name] == cli_prov["files"][name], name
    assert not (tmp_path / "results").exists()


def test_api_run_without_output_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    results = qicsim.run("no_contexts", replications=1, seed=3, overrides=["structure.homes_per_site=[2]"])
    assert len(results.runs) == 1 and results.config["scenario"] == "no_contexts"
    assert not list(tmp_path.iterdir())

"""The sweep loader, analyse() and the qicsim-analyse command, end to end on synthetic sweep folders."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers.analysis import NINE, factorial, one_at_a_time, sampled, write_sweep
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from qicsim.apps.cli.analyse import main
from qicsim.errors import DataError
from qicsim.studies.analysis import analyse
from qicsim.studies.sweep import load_dataset


def outcomes(values: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(values["C1"])
    return {"implemented": 4 + 2 * values["C4"] + 0.2 * rng.standard_normal(n),
            "homes_with_implementation_share": 0.3 + 0.4 * values["C4"] + 0.05 * rng.standard_normal(n),
            "cost_gbp": 1000 + 100 * values["C1"] + 10 * rng.standard_normal(n),
            "mech_qic_hours_members": 30 * values["C4"] + rng.standard_normal(n),
            "attendances": 100 + 20 * values["C4"] + rng.standard_normal(n)}


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    data, design = factorial(outcomes, codes=("C1", "C2", "C4"), replications=3)
    return write_sweep(tmp_path / "sweep", data, design)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_factorial_end_to_end(sweep: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([str(sweep), "--bootstrap", "100", "--seed", "3"], capsys)
    assert code == 0, err
    folder = sweep / "analysis"
    assert str(folder / "report.md") in out and err == ""
    for name in ("main_effects.csv", "interactions.csv", "qca_truth_table.csv", "qca_solutions.csv",
                 "qca_necessity.csv", "cmo_table.csv", "cmo_table.md", "main_effects_implemented.png",
                 "interactions_implemented.png", "main_effects_cost_gbp.png"):
        assert (folder / name).is_file(), name
    assert (folder / "main_effects_implemented.png").read_bytes().startswith(b"\x89PNG")
    assert not list(folder.glob(".*tmp*")), "temporary files left behind"
    report = (folder / "report.md").read_text(encoding="utf-8")
    for heading in ("## Design", "## Main effects on `implemented`", "## Two-way interactions", "## Crisp-set QCA",
                    "## Simulated CMO table", "## References"):
        assert heading in report, heading
    assert "](main_effects_implemented.png)" in report and "**C4**" in report
    assert "most homes implement at least one improvement" in report
    assert "test-factorial" in report and "f" * 64 in report  # name and fingerprint from the manifest
    # Every linked file exists, relative to the report.
    for link in re.findall(r"\]\(([^)]+)\)", report):
        assert (folder / link).is_file(), link


@pytest.mark.slow  # a child process
def test_outcome_option_and_python_m(sweep: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-m", "qicsim.apps.cli.analyse", str(sweep), "--outcome", "cost_gbp",
                             "--bootstrap", "50"], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stderr
    report = (sweep / "analysis" / "report.md").read_text(encoding="utf-8")
    assert "## Main effects on `cost_gbp`" in report and "main_effects_implemented.png" not in report
    assert not (sweep / "analysis" / "main_effects_implemented.png").exists()


def test_qca_and_interval_options(sweep: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The fixture's implemented is 4 + 2*C4 + noise: above 5 exactly where C4 is present.
    code, _, err = run([str(sweep), "--bootstrap", "100", "--level", "0.8", "--qca-outcome", "implemented>5",
                        "--qca-label", "more than five improvements", "--consistency", "0.9", "--necessity", "0.95"],
                       capsys)
    assert code == 0, err
    report = (sweep / "analysis" / "report.md").read_text(encoding="utf-8")
    assert "*more than five improvements* (`implemented > 5`)" in report
    assert "at least 0.9 of its runs" in report and "80% percentile intervals" in report
    solutions = pd.read_csv(sweep / "analysis" / "qca_solutions.csv")
    parsimonious = solutions[(solutions["solution"] == "parsimonious") & (solutions["level"] == "solution")]
    assert parsimonious["expression"].tolist() == ["C4"]


def one_line_error(code: int, err: str) -> str:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qicsim-analyse: error: "), err
    return lines[0]


def test_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line_error(*run([str(tmp_path / "nowhere")], capsys)[::2])
    assert "no such sweep folder" in line
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.slow  # a child process
def test_console_script_missing_folder(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "qicsim-analyse"
    if not script.is_file():
        pytest.fail(f"no qicsim-analyse console script next to {sys.executable}; pip install -e .")
    result = subprocess.run([str(script), str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=120,
                            check=False)
    one_line_error(result.returncode, result.stderr)


@pytest.mark.parametrize("damage", ["corrupt_parquet", "no_parquet", "corrupt_json", "no_json", "unbalanced",
                                    "unknown_design", "no_dataset_info"])
def test_bad_sweep_folder(sweep: Path, damage: str, capsys: pytest.CaptureFixture[str]) -> None:
    parquet, manifest = sweep / "dataset.parquet", sweep / "design.json"
    if damage == "corrupt_parquet":
        parquet.write_bytes(b"PAR1 this is not a parquet file")
    elif damage == "no_parquet":
        parquet.unlink()
    elif damage == "corrupt_json":
        manifest.write_text("{not json")
    elif damage == "no_json":
        manifest.unlink()
    elif damage == "unbalanced":  # a dataset that passes its hashes but does not fit the manifest
        data, design = load_dataset(sweep)
        write_sweep(sweep, data.iloc[:-1], design)
    elif damage == "no_dataset_info":
        (sweep / "dataset.json").unlink()
    else:
        manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "design": "latin"}))
    one_line_error(*run([str(sweep)], capsys)[::2])
    assert not (sweep / "analysis").exists()


@pytest.mark.parametrize("args", [["--outcome", "nonexistent"], ["--bootstrap", "0"], ["--bootstrap", "many"],
                                  ["--seed", "-2"], ["--no-such-option"], ["--level", "1.5"],
                                  ["--qca-outcome", "implemented"], ["--qca-outcome", "implemented>many"],
                                  ["--qca-outcome", "nonexistent>1"], ["--consistency", "2"], ["--necessity", "-1"],
                                  ["--qca-thresholds", "0.3,many"], ["--qca-thresholds", "0.5,0.5"],
                                  ["--prim-threshold", "0"], ["--robust-share", "1.5"]])
def test_bad_arguments(sweep: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(*run([str(sweep), *args], capsys)[::2])
    assert not (sweep / "analysis" / "report.md").exists()


def test_stale_report_is_removed_before_writing(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = analyse(sweep, n_boot=20)
    assert (folder / "report.md").is_file()

    def broken(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr("qicsim.studies.analysis.pipeline.main_effects_figure", broken)
    with pytest.raises(RuntimeError):
        analyse(sweep, n_boot=20)
    assert not (folder / "report.md").exists()  # the folder no longer looks complete


def test_loader_returns_dataset_and_manifest(sweep: Path) -> None:
    data, design = load_dataset(sweep)
    assert design["design"] == "factorial" and len(data) == 2 ** 3 * 3
    (sweep / "empty").mkdir()
    with pytest.raises(DataError, match="missing"):  # a file problem, not a setting
        load_dataset(sweep / "empty")
    (sweep / "design.json").write_text("[1, 2]")
    with pytest.raises(DataError, match="corrupt or not a qicsim sweep manifest"):
        load_dataset(sweep)


def test_other_designs(tmp_path: Path) -> None:
    problem = {"num_vars": 9, "names": list(NINE), "bounds": [[0.0, 1.0]] * 9}
    sweeps = {
        "one_at_a_time": one_at_a_time({"protected_time": -2.0}, replications=5),
        "morris": sampled("morris", morris_sample.sample(problem, 6, num_levels=4, seed=1),
                          lambda v, rng: {"implemented": 2 * v["C4"]}, morris_levels=4),
        "sobol": sampled("sobol", sobol_sample.sample(problem, 32, calc_second_order=False, seed=1),
                         lambda v, rng: {"implemented": 2 * v["C4"] + v["C1"]}),
    }
    expected = {"one_at_a_time": ("## Removal effects", "removal_implemented.png", "removal_effects.csv"),
                "morris": ("## Morris screening", "morris_implemented.png", "morris.csv"),
                "sobol": ("## Sobol indices", "sobol_implemented.png", "sobol.csv")}
    for kind, (data, design) in sweeps.items():
        folder = analyse(write_sweep(tmp_path / kind, data, design), n_boot=30)
        heading, figure, table = expected[kind]
        report = (folder / "report.md").read_text(encoding="utf-8")
        assert heading in report and f"]({figure})" in report, kind
        assert (folder / figure).is_file() and (folder / table).is_file(), kind
        assert "## Main effects" not in report and "## Crisp-set QCA" not in report

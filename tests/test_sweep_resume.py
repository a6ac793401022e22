"""A sweep killed part-way and started again with the same command completes only what is
missing, and gives the dataset of an uninterrupted run. Corrupt or foreign files are
reported and not used."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers.cli import qicsim_script
from helpers.sweep import SMALL_SWEEP, dataset_of

from qicsim.errors import ConfigError, DataError
from qicsim.studies.end_to_end import run_sweep
from qicsim.studies.sweep import collect, load_dataset
from qicsim.studies.sweep.collect import IncompleteSweep

pytestmark = pytest.mark.slow  # whole sweeps, in this process or through the command

# Eight jobs of a 16-point design, slow enough (about 0.3 s a job) to be killed between jobs.
KILLABLE = (
    "experiment=context_factorial",
    "sweep.only=[protected_time,alignment,qi_coaching,learning_events]",
    "run.replications=4",
    "sweep.jobs=8",
    "sweep.analyse=false",
)


def sweep_folder(cwd: Path) -> Path:
    return cwd / "results" / "sweeps" / "context_factorial-only-protected_time-alignment-qi_coaching-learning_events"


def test_killed_sweep_resumes_to_the_uninterrupted_dataset(cli, tmp_path: Path) -> None:
    clean = run_sweep(overrides=list(KILLABLE), folder=tmp_path / "clean")
    cwd = tmp_path / "killed"
    cwd.mkdir()
    chunks = sweep_folder(cwd) / "chunks"
    proc = subprocess.Popen([str(qicsim_script()), *KILLABLE], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(chunks.glob("job-*.parquet"))) < 2:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = len(list(chunks.glob("job-*.parquet")))
    assert 2 <= done_at_kill < 8, f"the kill came at {done_at_kill} of 8 jobs: not part-way"
    assert not (sweep_folder(cwd) / "dataset.parquet").exists()
    with pytest.raises(IncompleteSweep, match=r"points missing"):
        collect(sweep_folder(cwd))

    resumed = subprocess.run([str(qicsim_script()), *KILLABLE], cwd=cwd, capture_output=True, text=True,
                             timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert resumed.stdout.count("done before") >= done_at_kill
    assert resumed.stdout.count(": ran,") <= 8 - done_at_kill
    pd.testing.assert_frame_equal(dataset_of(sweep_folder(cwd)), load_dataset(clean)[0], check_exact=True)


@pytest.fixture()
def finished(tmp_path: Path) -> Path:
    return run_sweep(overrides=list(SMALL_SWEEP), folder=tmp_path / "sweep")


def test_restart_of_a_finished_sweep_runs_nothing(finished: Path) -> None:
    stamps = {p: p.stat().st_mtime_ns for p in (finished / "chunks").iterdir()}
    reference = load_dataset(finished)[0]
    run_sweep(overrides=list(SMALL_SWEEP), folder=finished)
    assert {p: p.stat().st_mtime_ns for p in (finished / "chunks").iterdir()} == stamps
    pd.testing.assert_frame_equal(load_dataset(finished)[0], reference, check_exact=True)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))


def _swap_with_job_0(path: Path) -> None:
    shutil.copyfile(path.parent / "job-00000.parquet", path)


@pytest.mark.parametrize(("damage", "reported"), [
    (_truncate, "corrupt"),
    (_flip_a_byte, "corrupt"),
    (_swap_with_job_0, "job 0's points"),
])
def test_damaged_chunk_is_reported_not_used_and_rerun(damage, reported: str, finished: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    reference = load_dataset(finished)[0]
    damage(finished / "chunks" / "job-00001.parquet")
    with pytest.raises(IncompleteSweep, match=rf"job-00001.parquet: .*{reported}") as error:
        collect(finished)
    assert error.value.missing == [1, 4, 7]  # job 1's points, named
    run_sweep(overrides=list(SMALL_SWEEP), folder=finished)
    assert f"job-00001.parquet: {reported}" in capsys.readouterr().err or reported == "job 0's points"
    pd.testing.assert_frame_equal(load_dataset(finished)[0], reference, check_exact=True)


def test_chunk_of_another_sweep_is_foreign(finished: Path, tmp_path: Path) -> None:
    other = run_sweep(overrides=[*SMALL_SWEEP, "run.seed=7"], folder=tmp_path / "other")
    shutil.copyfile(other / "chunks" / "job-00002.parquet", finished / "chunks" / "job-00002.parquet")
    with pytest.raises(IncompleteSweep, match=r"2, 5.*job-00002.parquet: foreign"):
        collect(finished)


def test_folder_of_another_sweep_is_refused(finished: Path) -> None:
    with pytest.raises(ConfigError, match=r"sweep.name: .* holds another sweep"):
        run_sweep(overrides=[*SMALL_SWEEP, "run.replications=4"], folder=finished)


def test_altered_dataset_is_refused(finished: Path) -> None:
    _flip_a_byte(finished / "dataset.parquet")
    with pytest.raises(DataError, match="altered"):
        load_dataset(finished)


def test_collect_cli_names_missing_points(finished: Path) -> None:
    (finished / "chunks" / "job-00000.parquet").unlink()
    collector = qicsim_script().with_name("qicsim-collect")
    proc = subprocess.run([str(collector), str(finished)], capture_output=True, text=True, check=False)
    assert proc.returncode == 3
    assert proc.stderr.count("\n") == 1
    assert "3 of 8 points missing: 0, 3, 6" in proc.stderr and "1 of 3 jobs not run" in proc.stderr
    missing = subprocess.run([str(collector), str(finished / "nowhere")], capture_output=True, text=True,
                             check=False)
    assert missing.returncode == 2 and "no such sweep folder" in missing.stderr

"""The benchmark script runs, and without Flower it says how to get it instead of failing."""

import os
import subprocess
import sys

from conftest import ROOT


def test_engines_benchmark_skips_flower_cleanly_without_it():
    env = {k: v for k, v in os.environ.items() if k != "FLOWER_PYTHON"}
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "engines.py"), "--clients", "3", "--rounds", "2",
         "--repeats", "1", "--engines", "fast", "flower"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    # Whether Flower is there is decided independently of the script's output: then exactly one
    # branch is right (before, either output passed whatever the environment was).
    has_flower = subprocess.run(
        [sys.executable, "-c", "import flwr, fedlearn_edu"], capture_output=True, env=env, cwd=ROOT
    ).returncode == 0  # fmt: skip
    if has_flower:
        assert "    3  flower" in out.stdout and "Flower is not installed" not in out.stdout
    else:
        assert "Flower is not installed" in out.stdout and 'pip install "flwr==1.42.0"' in out.stdout
        assert "    3  flower" not in out.stdout
    assert "    3  fast" in out.stdout and "machine:" in out.stdout


def test_notebook_times_runs_a_notebook_in_a_fresh_kernel_and_prints_its_row():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "notebook_times.py"), "--repeats", "1", "--cells", "1",
         str(ROOT / "notebooks" / "00_welcome.ipynb")],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    row = next(line for line in out.stdout.splitlines() if line.startswith("notebooks/00_welcome.ipynb"))
    wall, median, cpu = (float(v) for v in row.split()[1:4])
    assert 0 < cpu and 0 < wall <= median  # one run: its minimum is its median
    assert "machine:" in out.stdout and "load average" in out.stdout and "      cell " in out.stdout


def test_sweep_benchmark_runs_both_ways_and_finds_the_same_weights():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "sweep.py"), "--rounds", "2", "--repeats", "1"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if line.startswith("lesson 05")]
    assert len(rows) == 2 and all(row.endswith("yes") for row in rows), out.stdout
    assert "machine:" in out.stdout and "load average" in out.stdout

"""The benchmark script runs, and without Flower it says how to get it instead of failing."""

import os
import subprocess
import sys

from conftest import ROOT


def test_engines_benchmark_skips_flower_cleanly_without_it():
    env = {k: v for k, v in os.environ.items() if k != "FLOWER_PYTHON"}
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "engines.py"), "--clients", "10", "--rounds", "2",
         "--repeats", "1", "--engines", "fast", "flower"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    if "flower 1." in out.stdout:  # this environment has Flower: then it ran
        assert "   10  flower" in out.stdout
    else:
        assert "Flower is not installed" in out.stdout and 'pip install "flwr[simulation]' in out.stdout
    assert "   10  fast" in out.stdout and "machine:" in out.stdout

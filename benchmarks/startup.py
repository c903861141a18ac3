"""Start-up costs a student pays in a fresh kernel, each measured in new processes (median).

    python benchmarks/startup.py [--repeats 5]

Each line times one step *after* the steps before it have run, in a fresh Python process, so the
numbers are what the first cells of a lesson cost. Two lines show costs the kit avoids: importing
scikit-learn to load the digits (the kit reads the data file directly) and constructing a first
``torch.optim`` optimizer (which imports ``torch._dynamo``; the kit's workers and engines update
parameters with plain ``p -= lr * grad``, which is what ``torch.optim.SGD`` without momentum does).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys

STEPS = [
    ("import numpy", "", "import numpy"),
    ("import torch", "", "import torch"),
    ("import matplotlib.pyplot + kit style", "", "import fedlearn_edu.plots, matplotlib.pyplot"),
    ("import fedlearn_edu.simulation (torch included)", "", "import fedlearn_edu.simulation"),
    ("load_digits() (kit: numpy only)", "from fedlearn_edu.data import load_digits", "load_digits()"),
    (
        "  avoided: sklearn.datasets.load_digits()",
        "import numpy",
        "from sklearn.datasets import load_digits; load_digits()",
    ),
    (
        "  avoided: first torch.optim.SGD(...)",
        "import torch; m = torch.nn.Linear(2, 1)",
        "torch.optim.SGD(m.parameters(), lr=0.1)",
    ),
    (
        "first run_fedavg, 1 round, K=100 (fast)",
        "from fedlearn_edu.data import load_digits, iid_partition; from fedlearn_edu.simulation import run_fedavg; "
        "d = load_digits(); p = iid_partition(d.y_train, 100, seed=0)",
        "run_fedavg(d, p, rounds=1, C=1.0)",
    ),
    (
        "  second run_fedavg, same process",
        "from fedlearn_edu.data import load_digits, iid_partition; from fedlearn_edu.simulation import run_fedavg; "
        "d = load_digits(); p = iid_partition(d.y_train, 100, seed=0); run_fedavg(d, p, rounds=1, C=1.0)",
        "run_fedavg(d, p, rounds=1, C=1.0)",
    ),
    (
        "first reference round, K=100",
        "from fedlearn_edu.data import load_digits, iid_partition; from fedlearn_edu.simulation import run_fedavg; "
        "d = load_digits(); p = iid_partition(d.y_train, 100, seed=0)",
        "run_fedavg(d, p, rounds=1, C=1.0, engine='reference')",
    ),
]

TIMER = "import time\n{setup}\nt = time.perf_counter()\n{code}\nprint(time.perf_counter() - t)\n"


def measure(setup: str, code: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", TIMER.format(setup=setup, code=code)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        times.append(float(out.stdout.split()[-1]))
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; load {load}")
    print(f"median of {args.repeats} fresh processes\n")
    for name, setup, code in STEPS:
        print(f"{name:<50} {measure(setup, code, args.repeats):7.3f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

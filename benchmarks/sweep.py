"""Benchmark: a sweep run one by one (``simulate`` in a loop) against ``simulate_many``.

The two sweeps are lesson 05's: the label-skew sweep (4 algorithms x 4 Dirichlet alphas x 3 seeds
= 48 runs on the digits, 30 rounds, 4 of 20 clients per round, E = 2, B = 10) and the straggler
table (3 algorithms x 3 straggler shares x 3 seeds, 27 runs on Synthetic(1, 1), 20 rounds, 10 of 30
devices per round, E = 5). Each way runs ``--repeats`` times in this process after one warm-up
run; the fastest is printed, with the load average, and the script checks that both ways give the
same final weights, bit for bit.

    python benchmarks/sweep.py              # both sweeps, fastest of 3
    python benchmarks/sweep.py --rounds 2 --repeats 1    # a quick check that it runs
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch

from fedlearn_edu.algorithms import FedAvg, FedAvgM, FedProx, Scaffold
from fedlearn_edu.data import dirichlet_partition, load_digits, synthetic
from fedlearn_edu.simulation import mlp, simulate, simulate_many


def label_skew(rounds: int | None) -> dict:
    digits = load_digits(seed=0)
    algorithms = {"FedAvg": FedAvg, "FedProx": lambda: FedProx(mu=0.1), "SCAFFOLD": Scaffold,
                  "FedAvgM": lambda: FedAvgM(momentum=0.9)}  # fmt: skip
    runs = {}
    for alpha in (0.05, 0.1, 0.5, 100):
        for seed in range(3):
            parts = dirichlet_partition(digits.y_train, 20, alpha=alpha, seed=seed)
            for name, make in algorithms.items():
                runs[alpha, name, seed] = dict(data=digits, partitions=parts, algorithm=make(), rounds=rounds or 30,
                                               C=0.2, E=2, B=10, lr=0.05, seed=seed)  # fmt: skip
    return runs


def stragglers(rounds: int | None) -> dict:
    runs = {}
    for seed in range(3):
        data, parts, _ = synthetic(1, 1, max_size=200, seed=seed)
        model = mlp((60, 10), seed=seed)
        for share in (0.0, 0.5, 0.9):
            for name, algorithm in (("drop", FedAvg(stragglers=share)), ("mu=0", FedProx(0.0, stragglers=share)),
                                    ("mu=1", FedProx(1.0, stragglers=share))):  # fmt: skip
                runs[seed, share, name] = dict(data=data, partitions=parts, algorithm=algorithm, model=model,
                                               rounds=rounds or 20, C=10 / 30, E=5, B=10, lr=0.01, seed=seed)  # fmt: skip
    return runs


def one_by_one(runs: dict) -> dict:
    return {key: simulate(**arguments) for key, arguments in runs.items()}


def together(runs: dict) -> dict:
    return simulate_many(runs, progress=False)


def fastest(way, make, rounds: int | None, repeats: int) -> tuple[float, dict]:
    way(make(rounds))  # warm-up: imports, first calls
    best, result = float("inf"), None
    for _ in range(repeats):
        runs = make(rounds)
        start = time.perf_counter()
        result = way(runs)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--rounds", type=int, default=None, help="fewer rounds (default: the lesson's 30 and 20)"
    )
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} logical CPUs; torch {torch.__version__}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'sweep':<34}{'runs':>6}{'one by one (s)':>16}{'simulate_many (s)':>19}{'speed-up':>10}  same weights"
    )
    for name, make in (("lesson 05 label-skew sweep", label_skew), ("lesson 05 straggler table", stragglers)):
        alone_s, alone = fastest(one_by_one, make, args.rounds, args.repeats)
        many_s, many = fastest(together, make, args.rounds, args.repeats)
        same = all(
            torch.equal(alone[k].final_state[p], many[k].final_state[p])
            for k in alone
            for p in alone[k].final_state
        )
        print(
            f"{name:<34}{len(alone):>6}{alone_s:>16.2f}{many_s:>19.2f}{alone_s / many_s:>9.1f}x  {'yes' if same else 'NO'}"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

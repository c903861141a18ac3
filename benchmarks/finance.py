"""Lesson 08's finance part: what each step costs, and the hashing rate behind the dictionary attack.

    python benchmarks/finance.py [--repeats 3]

Each line is the median of ``--repeats`` runs in this one process (imports already done; the first
torch run is timed separately, since a student pays it once). The dictionary attack line also prints
hashes per second, the number the lesson uses to say how long a larger id space would take.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from fedlearn_edu.applications import credit, horizontal, vertical
from fedlearn_edu.applications.evaluate import auc, bootstrap_ci


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    r = args.repeats
    banks = credit.make_banks(seed=0)
    splits = [credit.train_test_split(b, seed=0) for b in banks]
    train, test = [s[0] for s in splits], [s[1] for s in splits]
    lines = []
    t, _ = timed(lambda: credit.make_banks(seed=0), r)
    lines.append(("make_banks (10 800 customers)", t, ""))
    t, _ = timed(lambda: horizontal.pooled_and_alone(train), r)
    lines.append(("pooled + 5 banks alone (Newton)", t, ""))
    p = banks[1].p_default
    t, _ = timed(lambda: bootstrap_ci(auc, banks[1].y, p, n_boot=1000, seed=0), r)
    lines.append(("bootstrap_ci, 1000 resamples, 1200 customers", t, ""))
    start = time.perf_counter()
    horizontal.train_federated(train, test, rounds=1)
    lines.append(("first train_federated (1 round; torch start-up)", time.perf_counter() - start, ""))
    t, _ = timed(lambda: horizontal.train_federated(train, test, rounds=30), r)
    lines.append(("train_federated, FedAvg, 30 rounds, 5 banks", t, ""))
    bank, retailer = vertical.make_bank_and_retailer(seed=0)
    t, rows = timed(lambda: vertical.salted_hash_psi(bank.ids, retailer.ids, salt=b"s"), r)
    lines.append(("salted_hash_psi, 3000 x 4000 ids", t, ""))
    hashes = vertical.hash_ids(bank.ids, b"s")
    t, _ = timed(lambda: vertical.dictionary_attack(hashes, salt=b"s", id_space=1_000_000), r)
    lines.append(("dictionary_attack, 1 000 000 ids", t, f"{1e6 / t:,.0f} hashes/s"))
    t, _ = timed(lambda: vertical.dh_psi(bank.ids, retailer.ids, seed=0), r)
    lines.append(("dh_psi (toy group), 3000 x 4000 ids", t, ""))
    Xb, Xr = credit.design(bank.X[rows[0]]), vertical.retail_design(retailer.X[rows[1]])
    y = bank.y[rows[0]]
    t, run = timed(lambda: vertical.train_vertical(Xb, y, Xr, lr=0.5, steps=500), r)
    lines.append(("train_vertical, 2000 customers, 500 steps", t, ""))
    t, _ = timed(lambda: vertical.train_joined(np.hstack([Xb, Xr]), y, lr=0.5, steps=500), r)
    lines.append(("train_joined, same", t, ""))
    t, _ = timed(
        lambda: vertical.reconstruct_partner_columns(
            run.received_by_bank[:3], run.received_by_retailer[:3], lr=0.5
        ),
        r,
    )
    lines.append(("reconstruct_partner_columns, 3 steps", t, ""))
    for name, seconds, extra in lines:
        print(f"{name:52s} {seconds:8.3f} s  {extra}")


if __name__ == "__main__":
    main()

"""How long does lesson 05's drift explorer take to redraw? (target: under 1 s at its defaults)

    python benchmarks/drift_explorer_redraw.py [--repeats N]

A redraw is what moving a control does: run each ticked algorithm on the digits (K = 20, 30 rounds,
fast engine, with each client's held-out data scored at the end), redraw the curves and the
per-client histogram, render the PNG. The script times ``DriftExplorer.run()`` after one warm-up
and prints the median, the slowest and the CPU time per setting, and the machine it ran on. A
measurement, not a test: it never fails, it reports.
"""

from __future__ import annotations

import argparse
import statistics
import time

from widget_redraw import machine  # the same machine report as lesson 03's widget benchmark

TARGET_MS = 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed redraws per setting (default 5)")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    from fedlearn_edu.widgets.drift import DriftExplorer

    print(machine())
    settings = [
        ("defaults: FedAvg, alpha 0.1, E = 2", {}),
        ("SCAFFOLD", {"algorithms": ("SCAFFOLD",)}),
        ("all four algorithms", {"algorithms": ("FedAvg", "FedProx", "SCAFFOLD", "FedAvgM")}),
        ("FedAvg, E = 10", {"E": 10}),
    ]
    print(f"\n{'setting':<40}{'median':>8}{'slowest':>9}{'CPU':>7}   (ms, {args.repeats} redraws each)")
    for name, changes in settings:
        widget = DriftExplorer(**changes)  # includes the warm-up run
        wall, cpu = [], []
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.thread_time()
            widget.run()
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
        print(f"{name:<40}{statistics.median(wall):>8.0f}{max(wall):>9.0f}{statistics.median(cpu):>7.0f}")
    print(f"\ntarget at the defaults: {TARGET_MS:.0f} ms (CPU time is the better guess on a busy machine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

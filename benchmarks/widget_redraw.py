"""How long does lesson 03's convergence widget take to redraw? (target: under 300 ms at its defaults)

    python benchmarks/widget_redraw.py [--repeats N]

A redraw is what moving a slider does: re-run the article's two-worker experiment with the
controls' values, redraw both figures, render the PNG the widget shows. The script times
``ConvergenceWidget.redraw()`` (after one warm-up) and prints the median and the slowest run at the
default settings, the same for a few heavier settings, and the machine it ran on. It is a
measurement, not a test: it never fails, it reports.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

TARGET_MS = 300.0


def machine() -> str:
    import matplotlib
    import numpy
    import torch

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return "\n".join(
        [
            f"machine:    {platform.platform()}, {platform.machine()}, {os.cpu_count()} logical CPUs",
            f"processor:  {platform.processor() or 'unknown'}",
            f"python:     {sys.version.split()[0]}; torch {torch.__version__} "
            f"({torch.get_num_threads()} threads); numpy {numpy.__version__}; matplotlib {matplotlib.__version__}",
            f"load avg:   {load} (other work on the machine slows every number below)",
        ]
    )


def time_redraws(widgets: list, repeats: int) -> tuple[list[list[float]], list[list[float]]]:
    """Wall-clock and CPU milliseconds of ``repeats`` redraws of each widget, taken in turn (so a burst
    of other work on the machine spreads over every setting instead of landing on one). CPU time is
    this thread's own work: on a busy machine it is the better guess of the wall time on an idle one."""
    for widget in widgets:
        widget.redraw()  # warm-up: first-call costs (font cache, autograd) are not a slider move's
    times: list[list[float]] = [[] for _ in widgets]
    cpu: list[list[float]] = [[] for _ in widgets]
    for _ in range(repeats):
        for widget, column, cpu_column in zip(widgets, times, cpu, strict=True):
            start, start_cpu = time.perf_counter(), time.thread_time()
            widget.redraw()
            column.append((time.perf_counter() - start) * 1000)
            cpu_column.append((time.thread_time() - start_cpu) * 1000)
    return times, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed redraws per setting (default 15)")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    from fedlearn_edu.widgets.convergence import ConvergenceWidget

    start = time.perf_counter()
    ConvergenceWidget()
    first = (time.perf_counter() - start) * 1000
    print(machine())
    print(f"\nfirst widget (imports already done, includes its first redraw): {first:.0f} ms\n")
    settings = [
        ("defaults: 10 rounds x 10 local steps", {}),
        ("10 rounds x 100 local steps", {"local_steps": 100}),
        ("30 rounds x 100 local steps (the sliders' maximum)", {"rounds": 30, "local_steps": 100}),
        ("bob's data x2, sample-size weights", {"bob_copies": 2, "weighting": "samples"}),
    ]
    print(f"{'setting':<52}{'median':>8}{'slowest':>9}{'CPU':>7}   (ms, {args.repeats} redraws each)")
    times, cpu = time_redraws([ConvergenceWidget(**changes) for _, changes in settings], args.repeats)
    for (label, _), column, cpu_column in zip(settings, times, cpu, strict=True):
        median, slowest, own = statistics.median(column), max(column), statistics.median(cpu_column)
        print(f"{label:<52}{median:8.0f}{slowest:9.0f}{own:7.0f}")
    default_median = statistics.median(times[0])
    verdict = "under" if default_median < TARGET_MS else "OVER"
    print(
        f"\ndefault redraw: {default_median:.0f} ms median wall-clock "
        f"({statistics.median(cpu[0]):.0f} ms CPU), {verdict} the {TARGET_MS:.0f} ms target"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

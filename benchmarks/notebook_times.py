"""How long does each notebook take, kernel start included? (target: every one under 20 s)

    python benchmarks/notebook_times.py [--repeats 3] [--cells 3] [NOTEBOOK ...]

Executes every notebook in ``notebooks/``, ``solutions/`` and ``exercises/`` (or the ones named) top
to bottom in a fresh kernel with nbclient -- what ``python -m authoring.execute`` does -- but writes
nothing back. Exercises run as a student first opens them: their unsolved cells raise
``NotImplementedError`` and execution goes on (any other error stops the script).
Each wall time runs from starting the kernel to its shutdown. Notebooks are taken in turn, repeat
after repeat, so a burst of other work on the machine spreads over all of them; the table shows the
minimum and the median wall time, the smallest CPU time of the kernel process (start-up included:
on a busy machine, the better guess of the wall time on an idle one), and the load average before
and after each notebook's fastest run.
``--cells N`` also lists each notebook's N slowest cells (from its fastest run). It is a
measurement, not a test: it never fails, it reports.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 20.0
_PYTHONPATH = os.environ.get("PYTHONPATH")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def run_once(path: Path) -> tuple[float, float, list[tuple[float, int, str]]]:
    """Wall seconds to run ``path`` in a fresh kernel, the kernel process's CPU seconds (start-up
    included; on a busy machine the better guess of an idle machine's wall time), and
    (seconds, index, first line) of each code cell."""
    import nbformat
    import psutil
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # the kernel imports the fedlearn_edu of the notebook's own checkout (so two checkouts -- before
    # and after a change -- can be timed in one run); a relative PYTHONPATH would not reach notebooks/
    checkout = path.parents[1] if (path.parents[1] / "fedlearn_edu").is_dir() else ROOT
    os.environ["PYTHONPATH"] = os.pathsep.join([str(checkout), *filter(None, [_PYTHONPATH])])
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=True,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
        allow_errors=path.parent.name == "exercises",
    )
    cpu = [0.0]

    def kernel_cpu(**_) -> None:  # after each cell: the kernel's CPU time so far
        times = psutil.Process(client.km.provisioner.process.pid).cpu_times()
        cpu[0] = times.user + times.system

    client.on_cell_executed = kernel_cpu
    start = time.perf_counter()
    client.execute()  # starts the kernel, runs every cell, shuts the kernel down
    seconds = time.perf_counter() - start
    cells = []
    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            begin = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            first = next((line for line in cell.source.splitlines() if line.strip()), "")[:60]
            cells.append(((end - begin).total_seconds(), index, first))
    return seconds, cpu[0], cells


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/, solutions/, exercises/")
    parser.add_argument("--repeats", type=int, default=3, help="fresh-kernel runs per notebook (default 3)")
    parser.add_argument("--cells", type=int, default=0, help="also list each notebook's N slowest cells")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    paths = [p.resolve() for p in args.notebooks] or sorted(
        [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("solutions/*.ipynb"), *ROOT.glob("exercises/*.ipynb")]
    )
    print(f"machine:  {platform.platform()}, {os.cpu_count()} logical CPUs, {platform.processor() or 'cpu?'}")
    print(f"python:   {platform.python_version()}; MPLBACKEND={os.environ['MPLBACKEND']}")
    print(f"started:  {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, load average {load()}")
    print(f"each notebook {args.repeats}x in a fresh kernel, taken in turn\n", flush=True)

    runs: dict[Path, list[tuple]] = {p: [] for p in paths}
    for _ in range(args.repeats):
        for path in paths:
            before = load()
            seconds, cpu, cells = run_once(path)
            runs[path].append((seconds, before, load(), cells, cpu))

    print(f"{'notebook':<44}{'min s':>7}{'median':>8}{'CPU s':>7}   load before -> after (fastest run)")
    over = []
    for path in paths:
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()[-44:]
        fastest = min(runs[path], key=lambda r: r[0])
        median = statistics.median(r[0] for r in runs[path])
        flag = "" if fastest[0] < TARGET_S else "  <-- over 20 s"
        if fastest[0] >= TARGET_S:
            over.append(name)
        cpu = min(r[4] for r in runs[path])
        print(f"{name:<44}{fastest[0]:7.1f}{median:8.1f}{cpu:7.1f}   {fastest[1]} -> {fastest[2]}{flag}")
        if args.cells:
            for cell_s, index, first in sorted(fastest[3], reverse=True)[: args.cells]:
                print(f"      cell {index:>3} {cell_s:6.2f} s  {first}")
    print(f"\nfinished: load average {load()}; over {TARGET_S:.0f} s: {', '.join(over) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

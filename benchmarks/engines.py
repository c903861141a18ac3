"""Benchmark: the kit's reference and fast FedAvg engines against Flower's deployment engine.

One fixed configuration (issue 4): digits, MLP 64-32-10 (ReLU), K clients with an IID split, all
clients every round (C = 1), E = 1, B = 10, SGD with lr 0.05, R = 10 rounds -- for K = 10, 100
and 1000. Every run is a fresh process, so start-up costs are counted as a student would pay them.

    python benchmarks/engines.py                          # the full table (Flower if installed)
    python benchmarks/engines.py --clients 100 --repeats 1 --engines fast reference
    python benchmarks/engines.py --clients 100 --engines fast --algorithm fedavg fedprox scaffold fedadam

``--algorithm`` (default ``fedavg``) runs other algorithms of :mod:`fedlearn_edu.algorithms` with the
same configuration (their settings are in ``ALGORITHMS`` below; Flower runs FedAvg only); the
summary then says how each compares with FedAvg's seconds per round on the same engine.

Printed per engine and K: final test accuracy, max |Δweight| against the reference engine,
median seconds per round after the first, CPU seconds per round (the run's process time divided by
R; on a busy machine it varies far less than wall-clock time; not measured for Flower), the first round, the whole process (imports, data,
start-up and teardown included) and its peak memory (all its processes together). Each number is
the median over ``--repeats`` runs. Flower (``flwr run`` on a SuperLink and one SuperNode process per
client, ``flower_app.py``) is in the classroom environment since lesson 09; without it the script says
how to get it. One process per client: Flower runs only up to ``--flower-max-clients`` (default 10).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETTINGS = {"C": 1.0, "E": 1, "B": 10, "lr": 0.05, "seed": 0}
# --algorithm NAME: the algorithm each run uses
ALGORITHMS = {
    "fedavg": lambda a: a.FedAvg(),
    "fedavg-drop": lambda a: a.FedAvg(stragglers=0.5),
    "fedprox": lambda a: a.FedProx(mu=0.01),
    "fedprox-stragglers": lambda a: a.FedProx(mu=0.01, stragglers=0.5),
    "scaffold": lambda a: a.Scaffold(),
    "fedavgm": lambda a: a.FedAvgM(server_lr=1.0, momentum=0.9),
    "fedadam": lambda a: a.FedAdam(server_lr=0.01),
    "fedyogi": lambda a: a.FedYogi(server_lr=0.01),
}


def _algorithm(name: str):
    """``ALGORITHMS[name]`` made with :mod:`fedlearn_edu.algorithms`."""
    from fedlearn_edu import algorithms

    return ALGORITHMS[name](algorithms)


FLOWER_HOW_TO = """\
Flower is not installed for this benchmark, so its rows are skipped. It is part of the classroom
environment (requirements.txt pins flwr, deployment engine only): `python3 kit.py setup` installs it,
or in another environment

    pip install "flwr==1.42.0" psutil && pip install --no-deps -e .   # this kit, from the repository root
    python benchmarks/engines.py --flower-python /path/to/that/python

The variable FLOWER_PYTHON works as well as --flower-python. (Flower's simulation engine, with Ray,
is `pip install "flwr[simulation]==1.42.0"`; this benchmark no longer uses it.)"""


# --- one run, in its own process --------------------------------------------------------------


def child(engine: str, n_clients: int, rounds: int, out: str, algorithm: str = "fedavg") -> None:
    """Run one engine once and print ``RESULT {json}``; the final weights go to ``out`` (.npz)."""
    import numpy as np

    from fedlearn_edu.data import iid_partition, load_digits
    from fedlearn_edu.simulation import mlp, run_fedavg, simulate

    digits = load_digits(seed=0)
    parts = iid_partition(digits.y_train, n_clients, seed=0)
    model = mlp((64, 32, 10), seed=0)
    cpu = time.process_time()
    if algorithm == "fedavg":
        history = run_fedavg(digits, parts, model, rounds=rounds, engine=engine, progress=False, **SETTINGS)
    else:
        rule = _algorithm(algorithm)
        history = simulate(
            digits, parts, rule, model, rounds=rounds, engine=engine, progress=False, **SETTINGS
        )
    np.savez(out, **{k: v.numpy() for k, v in history.final_state.items()})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    cpu = (time.process_time() - cpu) / rounds  # CPU time per round: less sensitive to a busy machine
    result = {
        "round_seconds": history.seconds,
        "accuracy": history.final_accuracy,
        "peak_mb": peak,
        "cpu": cpu,
    }
    print("RESULT " + json.dumps(result), flush=True)


def _tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def measure(cmd: list[str]) -> dict:
    """Run ``cmd`` (a child run), time it, sample the memory of its process tree, parse its RESULT."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE.parent)
    peak, done = [0.0], threading.Event()

    def sample() -> None:
        try:
            import psutil  # noqa: F401
        except ImportError:
            return
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    whole = time.perf_counter() - start
    done.set()
    sampler.join()
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{err[-3000:]}")
    result = json.loads(lines[-1][len("RESULT ") :])
    result["whole"] = whole
    result["peak_mb"] = max(result.get("peak_mb", 0.0), peak[0])
    return result


# --- the table --------------------------------------------------------------------------------


def flower_python(given: str | None) -> str | None:
    """A Python that can import flwr (and this kit), or None."""
    candidates = [given, os.environ.get("FLOWER_PYTHON"), sys.executable]
    for python in filter(None, candidates):
        check = "import flwr, fedlearn_edu; print(flwr.__version__)"
        found = subprocess.run([python, "-c", check], capture_output=True, text=True)
        if found.returncode == 0:
            return python
        if python == given:
            print(f"note: {python} cannot import flwr and fedlearn_edu:\n{found.stderr[-500:]}")
    return None


def machine(flower: str | None) -> list[str]:
    import numpy
    import torch

    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").exists():
        names = [ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    mem = ""
    if Path("/proc/meminfo").exists():
        kb = int(next(ln for ln in open("/proc/meminfo") if ln.startswith("MemTotal")).split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    lines = [
        f"machine: {cpu}, {os.cpu_count()} logical cores{mem}; {platform.system()} {platform.release()}",
        f"python {platform.python_version()}, torch {torch.__version__}, numpy {numpy.__version__}",
    ]
    if flower:
        version = subprocess.run(
            [flower, "-c", "import flwr; print(flwr.__version__, 'deployment engine')"],
            capture_output=True, text=True,
        ).stdout.split()  # fmt: skip
        lines.append(
            f"flower {version[0]} ({version[1]} {version[2]}: SuperLink + one SuperNode process per client)"
            f" from {flower}"
        )
    return lines


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--engines", nargs="+", default=["reference", "fast", "flower"])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--flower-python", default=None, help="a Python that has flwr installed")
    parser.add_argument(
        "--flower-max-clients", type=int, default=10,
        help="skip Flower above this K (one process per client; at most 32)",
    )  # fmt: skip
    parser.add_argument(
        "--algorithm", nargs="+", default=["fedavg"], choices=list(ALGORITHMS),
        help="the algorithm(s) to run (default fedavg; Flower runs fedavg only)",
    )  # fmt: skip
    parser.add_argument(
        "--child", nargs=5, metavar=("ENGINE", "K", "ROUNDS", "OUT", "ALGO"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]), args.child[3], args.child[4])
        return 0

    flower = flower_python(args.flower_python) if "flower" in args.engines else None
    if "flower" in args.engines and flower is None:
        print(FLOWER_HOW_TO + "\n")
    print("\n".join(machine(flower)))
    print(f"load average before: {load()}")
    print(
        f"configuration: digits, MLP 64-32-10, IID, C={SETTINGS['C']}, E={SETTINGS['E']}, B={SETTINGS['B']}, "
        f"lr={SETTINGS['lr']}, R={args.rounds}; medians of {args.repeats} fresh-process runs"
    )
    for name in args.algorithm:
        print(f"algorithm {name}: {_algorithm(name)!r}")
    print()
    header = (
        f"{'K':>5}  {'engine':<9}  {'algorithm':<18}  {'accuracy':>8}  {'max|Δw|':>8}  {'s/round':>8}  {'cpu/round':>9}  {'1st round':>9}  "
        f"{'whole s':>8}  {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    tmp = Path(tempfile.mkdtemp(prefix="fedlearn-bench-"))
    per_round: dict[tuple[int, str, str], float] = {}
    cpu_round: dict[tuple[int, str, str], float | None] = {}
    try:
        for k in args.clients:
            for algorithm in args.algorithm:
                reference = None
                for engine in args.engines:
                    if engine == "flower" and algorithm != "fedavg":
                        continue
                    if engine == "flower" and (flower is None or k > args.flower_max_clients):
                        if flower is not None:
                            print(
                                f"{k:>5}  {'flower':<9}  {algorithm:<18}  (skipped: K > --flower-max-clients "
                                f"{args.flower_max_clients})"
                            )
                        continue
                    runs = []
                    for rep in range(args.repeats):
                        out = str(tmp / f"{engine}-{algorithm}-{k}-{rep}.npz")
                        if engine == "flower":
                            cmd = [flower, str(HERE / "flower_app.py"), str(k), str(args.rounds), out]
                        else:
                            cmd = [sys.executable, str(HERE / "engines.py"), "--child", engine, str(k),
                                   str(args.rounds), out, algorithm]  # fmt: skip
                        runs.append((measure(cmd), out))
                    row = _row(k, engine, runs, reference, algorithm)
                    if engine == "reference":
                        reference = runs[0][1]
                    per_round[(k, engine, algorithm)] = row["s_round"]
                    cpu_round[(k, engine, algorithm)] = row["cpu"]
                    print(_format(row), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nload average after: {load()}")
    for k in args.clients:
        fast, ref, fl = (per_round.get((k, e, "fedavg")) for e in ("fast", "reference", "flower"))
        if fast and ref:
            print(f"K={k}: fast engine {ref / fast:.0f}x faster per round than the reference engine", end="")
            print(f", {fl / fast:.0f}x faster than Flower" if fl else "")
        for engine in args.engines:
            base = per_round.get((k, engine, "fedavg"))
            for algorithm in args.algorithm:
                mine = per_round.get((k, engine, algorithm))
                if base and mine and algorithm != "fedavg":
                    cpu_base, cpu_mine = (
                        cpu_round.get((k, engine, "fedavg")),
                        cpu_round.get((k, engine, algorithm)),
                    )
                    cpu = f" ({cpu_mine / cpu_base:.2f}x its CPU time)" if cpu_base and cpu_mine else ""
                    print(
                        f"K={k}, {engine} engine: {algorithm} takes {mine / base:.2f}x FedAvg's time per round{cpu}"
                    )
    return 0


def _row(k: int, engine: str, runs: list, reference: str | None, algorithm: str = "fedavg") -> dict:
    import numpy as np

    def med(values: list[float]) -> float:
        return statistics.median(values)

    delta = None
    if reference is not None:
        ref = np.load(reference)
        delta = max(
            max(float(np.abs(np.load(out)[key] - ref[key]).max()) for key in ref.files) for _, out in runs
        )
    elif engine == "reference":
        delta = 0.0
    return {
        "k": k,
        "engine": engine,
        "algorithm": algorithm,
        "accuracy": med([r["accuracy"] for r, _ in runs]),
        "delta": delta,
        "s_round": med([med(r["round_seconds"][1:]) for r, _ in runs]),
        "cpu": med([r["cpu"] for r, _ in runs]) if all("cpu" in r for r, _ in runs) else None,
        "first": med([r["round_seconds"][0] for r, _ in runs]),
        "whole": med([r["whole"] for r, _ in runs]),
        "peak": med([r["peak_mb"] for r, _ in runs]),
    }


def _format(row: dict) -> str:
    delta = "n/a" if row["delta"] is None else f"{row['delta']:.1e}"
    cpu = "n/a" if row["cpu"] is None else f"{row['cpu']:.4f}"
    return (
        f"{row['k']:>5}  {row['engine']:<9}  {row['algorithm']:<18}  {row['accuracy']:>8.4f}  {delta:>8}  {row['s_round']:>8.4f}  {cpu:>9}  "
        f"{row['first']:>9.4f}  {row['whole']:>8.2f}  {row['peak']:>8.0f}"
    )


if __name__ == "__main__":
    sys.exit(main())

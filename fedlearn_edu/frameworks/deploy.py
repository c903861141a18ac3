"""Flower's deployment engine on this machine: a SuperLink, one SuperNode per client, ``flwr run``.

:class:`Deployment` is a context manager; every process it starts is stopped when the ``with``
block ends -- after success, an error, a timeout or Ctrl+C::

    with Deployment(n_clients=3) as flower:        # SuperLink + 3 SuperNodes, each its own process
        run = flower.run({"num-server-rounds": 3, "algorithm": "fedavg"})
    run.accuracy                                   # the ServerApp's test accuracy after each round

What it does, as Flower's docs describe the deployment engine ("Run Flower using the Deployment
Engine", "flower-superlink" / "flower-supernode" / "flwr run" references):

1. ``flower-superlink --insecure --database :flwr-in-memory: --host 127.0.0.1 --port P
   --disable-runtime-dependency-installation`` (Flower 1.42 serves its Fleet, Control and ServerApp
   APIs on one HTTP port; state kept in memory; the ServerApp runs in this Python environment
   instead of one ``uv sync`` builds for each run);
2. per client ``k``: ``flower-supernode --insecure --superlink 127.0.0.1:P --port Q_k
   --node-config "partition-id=k num-partitions=K"``;
3. ``flwr run flower_app local --stream --run-config ...``, with the connection ``local`` written to
   a temporary ``FLWR_HOME/config.toml`` (the user's own Flower configuration is not touched).

Ports are free ones chosen by the operating system; everything listens on 127.0.0.1 only, without
TLS (lesson 09 says how to turn TLS and SuperNode authentication on for a real network).

Stopping: Flower starts helpers (``flower-superexec``, ``flwr-serverapp``, ``flwr-clientapp``) in
*new sessions*, so killing our process groups is not enough. Every process we start carries the
environment variable ``FEDLEARN_FLOWER_TAG=<random>``, inherited by all it starts; :meth:`close`
terminates our process groups, then every process that carries the tag, then kills what is left.
:func:`tagged_processes` lists them (tests check it is empty afterwards).

``bytes on the wire``: with ``count_bytes=True`` the SuperNodes talk to the SuperLink through a
small TCP proxy in this process that counts the bytes in each direction (:class:`ByteCounter`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fedlearn_edu._validation import check_count, check_real
from fedlearn_edu.i18n import language, t

__all__ = ["ByteCounter", "Deployment", "FlowerRun", "compare_with_kit", "tagged_processes"]

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = ROOT / "flower_app"
TAG = "FEDLEARN_FLOWER_TAG"
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Flower colours its log levels


def _bin(name: str) -> str:
    """A console script of the running Python's environment (flower-superlink, flwr, ...)."""
    here = Path(sys.executable).parent
    for candidate in (here / name, here / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found next to {sys.executable}: is flwr installed?")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout: float, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before listening on port {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not listen on port {port} within {timeout:.0f} s")


def tagged_processes(tag: str | None = None) -> list[int]:
    """PIDs of live processes started by a :class:`Deployment` (one ``tag``, or any)."""
    import psutil

    me = psutil.Process()
    ours = {me.pid, *(p.pid for p in me.parents())}  # a caller that carries the tag is not a leftover
    found = []
    for proc in psutil.process_iter(["pid", "status"]):
        with contextlib.suppress(psutil.Error):
            if proc.pid in ours or proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            value = proc.environ().get(TAG)
            if value is not None and (tag is None or value == tag):
                found.append(proc.pid)
    return found


class ByteCounter:
    """A TCP proxy ``127.0.0.1:port -> 127.0.0.1:target`` that counts bytes in each direction.

    ``up``: bytes from the SuperNodes to the SuperLink; ``down``: back. Runs in a daemon thread.
    """

    def __init__(self, target: int):
        self.target, self.up, self.down = target, 0, 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.up, self.down

    def _serve(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self._server, selectors.EVENT_READ)
        pairs: dict[socket.socket, tuple[socket.socket, str]] = {}
        while not self._stop.is_set():
            for key, _ in sel.select(timeout=0.2):
                sock = key.fileobj
                if sock is self._server:
                    client, _ = self._server.accept()
                    with contextlib.suppress(OSError):
                        upstream = socket.create_connection(("127.0.0.1", self.target))
                        pairs[client], pairs[upstream] = (upstream, "up"), (client, "down")
                        sel.register(client, selectors.EVENT_READ)
                        sel.register(upstream, selectors.EVENT_READ)
                    continue
                other, direction = pairs[sock]
                try:
                    data = sock.recv(65536)
                    if data:
                        other.sendall(data)
                except OSError:
                    data = b""
                if not data:
                    for s in (sock, other):
                        with contextlib.suppress(KeyError, ValueError):
                            sel.unregister(s)
                        pairs.pop(s, None)
                        s.close()
                    continue
                with self._lock:
                    if direction == "up":
                        self.up += len(data)
                    else:
                        self.down += len(data)
        for s in list(pairs):
            s.close()
        self._server.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


@dataclass
class FlowerRun:
    """What one ``flwr run`` gave: per-round records from the ServerApp, its final weights, the log."""

    config: dict[str, Any]
    rounds: list[dict] = field(default_factory=list)
    final: dict[str, np.ndarray] | None = None
    weights: list[dict[str, np.ndarray]] = field(default_factory=list)  # the global weights after each round
    log: str = ""
    seconds: float = 0.0
    wire: list[tuple[int, int]] = field(default_factory=list)  # (up, down) bytes after each round

    @property
    def accuracy(self) -> list[float]:
        return [r["accuracy"] for r in self.rounds]


class Deployment:
    """A SuperLink and ``n_clients`` SuperNodes on 127.0.0.1, stopped on exit (see the module docstring).

    ``echo``: a function that gets every output line of the processes as it comes (``print`` to
    stream them; ``None``: keep them quiet). ``count_bytes``: put a :class:`ByteCounter` between
    the SuperNodes and the SuperLink.
    """

    def __init__(
        self,
        n_clients: int = 3,
        *,
        count_bytes: bool = False,
        echo: Callable[[str], None] | None = None,
        start_timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
    ):
        self.n_clients = check_count(n_clients, "n_clients", minimum=1, maximum=32)
        self.start_timeout = check_real(start_timeout, "start_timeout", low=0, include_low=False)
        self.count_bytes, self.echo = bool(count_bytes), echo
        self.extra_env = dict(env or {})
        # Every process we start carries this tag; a caller that already carries one (a test) keeps it.
        self.tag = os.environ.get(TAG) or uuid.uuid4().hex
        self.processes: dict[str, subprocess.Popen] = {}
        self.counter: ByteCounter | None = None
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._home: tempfile.TemporaryDirectory | None = None
        self._closed = False

    # -- starting ------------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["FEDLEARN_LANG"] = language()  # the ServerApp's own log lines in the notebook's language
        env.update(self.extra_env)
        env[TAG] = self.tag
        env["FLWR_HOME"] = str(self.home)
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        env.setdefault("FLWR_SUPEREXEC_TASK_POLL_INTERVAL", "0.1")  # Flower's default: 1 s per task
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = "1"  # tiny models; many processes, few cores
        return env

    def _start(self, name: str, cmd: list[str]) -> subprocess.Popen:
        kwargs: dict[str, Any] = {}
        if os.name == "nt":
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        else:
            kwargs["start_new_session"] = True  # its own process group: we stop it, not our terminal
        proc = subprocess.Popen(cmd, env=self._env(), cwd=self.home, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                                errors="replace", **kwargs)  # fmt: skip
        self.processes[name] = proc
        threading.Thread(target=self._pump, args=(name, proc), daemon=True).start()
        return proc

    def _pump(self, name: str, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            line = f"[{name}] {ANSI.sub('', line.rstrip())}"
            with self._lock:
                self._lines.append(line)
            if self.echo is not None:
                self.echo(line)

    def __enter__(self) -> Deployment:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the SuperLink, wait until it listens, then start the SuperNodes."""
        self._home = tempfile.TemporaryDirectory(prefix="fedlearn-flower-")
        self.home = Path(self._home.name)
        self.port = free_port()
        # --disable-runtime-dependency-installation: by default Flower 1.42's SuperLink builds a fresh
        # environment for every run's ServerApp with `uv sync` (3-4 s here, and it may want the
        # internet); the kit's pinned environment already has everything the App needs.
        link = self._start("superlink", [_bin("flower-superlink"), "--insecure", "--database",
                                         ":flwr-in-memory:", "--host", "127.0.0.1",
                                         "--port", str(self.port),
                                         "--disable-runtime-dependency-installation"])  # fmt: skip
        _wait_for_port(self.port, self.start_timeout, link, "the SuperLink")
        self._wait_for_line("superlink", "Application startup complete", link)
        fleet = self.port
        if self.count_bytes:
            self.counter = ByteCounter(self.port)
            fleet = self.counter.port
        (self.home / "config.toml").write_text(
            f'[superlink]\ndefault = "local"\n\n[superlink.local]\n'
            f'address = "127.0.0.1:{self.port}"\ninsecure = true\n'
        )
        for k in range(self.n_clients):
            self._start(f"supernode-{k}", [_bin("flower-supernode"), "--insecure", "--superlink",
                                           f"127.0.0.1:{fleet}", "--port", str(free_port()),
                                           "--node-config",
                                           f"partition-id={k} num-partitions={self.n_clients}"])  # fmt: skip

    def _wait_for_line(self, name: str, text: str, proc: subprocess.Popen) -> None:
        """Wait until process ``name`` has printed ``text`` (its port may accept before it serves)."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            with self._lock:
                if any(line.startswith(f"[{name}]") and text in line for line in self._lines):
                    return
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode} while starting")
            time.sleep(0.1)
        raise TimeoutError(f"{name} did not print {text!r} within {self.start_timeout:.0f} s")

    # -- running -------------------------------------------------------------------------------
    def kill_node(self, k: int) -> None:
        """Kill SuperNode ``k`` and everything it started (as if its machine lost power)."""
        self._kill_tree(self.processes[f"supernode-{k}"], signal.SIGKILL if os.name != "nt" else None)

    def run(
        self,
        run_config: Mapping[str, Any] | None = None,
        *,
        timeout: float = 120.0,
        on_round: Callable[[dict], None] | None = None,
        during: Callable[[dict], None] | None = None,
    ) -> FlowerRun:
        """``flwr run`` the App with ``run_config``; wait until the ServerApp has written its final
        weights (or ``timeout`` seconds pass: :class:`TimeoutError`); return a :class:`FlowerRun`.

        ``on_round(record)`` is called as each round's record arrives; ``during(record)`` too, and
        may act on the deployment (the fault demonstration kills a SuperNode from it).
        """
        from fedlearn_edu.frameworks.flower import settings

        timeout = check_real(timeout, "timeout", low=0, include_low=False)
        out = Path(tempfile.mkdtemp(prefix="run-", dir=self.home))
        config = settings(dict(run_config or {}, **{"num-clients": self.n_clients, "out-dir": str(out)}))
        overrides = " ".join(f"{k}={json.dumps(v)}" for k, v in config.items())
        start = time.monotonic()
        first = len(self._lines)
        flwr = self._start(f"flwr-run-{len(self.processes)}",
                           [_bin("flwr"), "run", str(APP_DIR), "local", "--stream",
                            "--run-config", overrides])  # fmt: skip
        run = FlowerRun(config)
        seen, retried = 0, False
        while True:
            progress = out / "progress.jsonl"
            lines = progress.read_text().splitlines() if progress.exists() else []
            for line in lines[seen:]:
                record = json.loads(line)
                run.rounds.append(record)
                with np.load(out / f"round-{record['round']}.npz") as npz:
                    run.weights.append({k: npz[k] for k in npz.files})
                if record["round"] > 0 and record["replies"] == 0:
                    raise RuntimeError(
                        f"round {record['round']}: no client replied ({record['failures']} failed, the "
                        "rest did not answer within round-timeout); last lines:\n"
                        + "\n".join(self._lines[-12:])
                    )
                if self.counter is not None:
                    run.wire.append(self.counter.snapshot())
                for hook in (on_round, during):
                    if hook is not None:
                        hook(record)
            seen = len(lines)
            if (out / "final.npz").exists() and seen > config["num-server-rounds"]:
                with np.load(out / "final.npz") as npz:
                    run.final = {k: npz[k] for k in npz.files}
                break
            if time.monotonic() - start > timeout:
                raise TimeoutError(
                    f"the Flower run did not finish within {timeout:.0f} s; last lines:\n"
                    + "\n".join(self._lines[-15:])
                )
            if (
                flwr.poll() is not None
                and flwr.returncode != 0
                and not retried
                and any("SuperLink is unavailable" in ln for ln in self._lines[first:])
            ):  # the SuperLink was still starting: submit once more
                retried = True
                time.sleep(2)
                flwr = self._start(f"flwr-run-{len(self.processes)}-retry", flwr.args)
                continue
            if flwr.poll() is not None and flwr.returncode != 0:
                raise RuntimeError(
                    f"flwr run failed (exit {flwr.returncode}):\n" + "\n".join(self._lines[-15:])
                )
            failed = [ln for ln in self._lines[first:] if "Run finished" in ln and "failed" in ln.lower()]
            if failed:
                raise RuntimeError("the Flower run failed:\n" + "\n".join(self._lines[first:][-20:]))
            time.sleep(0.1)
        run.seconds = time.monotonic() - start
        with contextlib.suppress(subprocess.TimeoutExpired):
            flwr.wait(timeout=10)
        run.log = "\n".join(self._lines[first:])
        return run

    # -- stopping ------------------------------------------------------------------------------
    def _kill_tree(self, proc: subprocess.Popen, sig) -> None:
        import psutil

        with contextlib.suppress(psutil.Error):
            children = psutil.Process(proc.pid).children(recursive=True)
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                if os.name == "nt":
                    proc.kill()
                else:
                    os.killpg(proc.pid, sig)
        for child in locals().get("children", []):
            with contextlib.suppress(psutil.Error):
                child.kill()

    def pids(self) -> list[int]:
        """Every live process this deployment started, directly or through Flower."""
        return sorted(set(tagged_processes(self.tag)))

    def close(self, grace: float = 5.0) -> None:
        """Stop every process: SIGTERM to our groups and all tagged processes, then SIGKILL."""
        import psutil

        if self._closed:
            return
        self._closed = True
        for proc in self.processes.values():
            if proc.poll() is None:
                with contextlib.suppress(OSError):
                    if os.name == "nt":
                        proc.terminate()
                    else:
                        os.killpg(proc.pid, signal.SIGTERM)
        for pid in tagged_processes(self.tag):
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).terminate()
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and (
            any(p.poll() is None for p in self.processes.values()) or tagged_processes(self.tag)
        ):
            time.sleep(0.1)
        for proc in self.processes.values():
            if proc.poll() is None:
                with contextlib.suppress(OSError):
                    if os.name == "nt":
                        proc.kill()
                    else:
                        os.killpg(proc.pid, signal.SIGKILL)
        for pid in tagged_processes(self.tag):
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()
        for proc in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        if self.counter is not None:
            self.counter.close()
        if self._home is not None:
            with contextlib.suppress(OSError):
                self._home.cleanup()


def compare_with_kit(run: FlowerRun, rounds: int | None = None) -> float:
    """max |Flower's global weights - the kit's fast engine's| after ``rounds`` rounds (default: all)
    of the same configuration."""
    from fedlearn_edu.frameworks.flower import kit_reference

    rounds = len(run.weights) - 1 if rounds is None else check_count(rounds, "rounds", minimum=1)
    kit = kit_reference(dict(run.config, **{"num-server-rounds": rounds})).final_state
    flower = run.weights[rounds]
    return max(float(np.abs(flower[k] - kit[k].numpy()).max()) for k in kit)


# ------------------------------------------------------------------------------ python kit.py flower
def main(argv: list[str] | None = None) -> int:
    """``python -m fedlearn_edu.frameworks.deploy`` (what ``python kit.py flower`` runs)."""
    import argparse

    from fedlearn_edu.frameworks.flower import ALGORITHMS

    parser = argparse.ArgumentParser(
        prog="kit.py flower",
        description="Run the kit's model on Flower's deployment engine (a SuperLink and one SuperNode "
        "per client, separate processes on 127.0.0.1) and compare it with the kit's fast engine.",
    )
    parser.add_argument("--clients", type=int, default=3, help="SuperNodes, one client each (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="federated rounds (default 3)")
    parser.add_argument("--algorithm", choices=sorted(ALGORITHMS), default="fedavg")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before giving up (default 300)")
    parser.add_argument("--verbose", action="store_true", help="stream every line the processes print")
    args = parser.parse_args(argv)

    def stop(signum, frame):  # SIGTERM (and SIGHUP) end the run like Ctrl+C: the with-block cleans up
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, sig):
            signal.signal(getattr(signal, sig), stop)

    def say(msg: str) -> None:
        print(f"[flower] {msg}", flush=True)

    def progress(line: str) -> None:
        if args.verbose or "[fedlearn]" in line or "aggregate_train" in line or "ERROR" in line:
            print(line, flush=True)

    config = {"num-server-rounds": args.rounds, "algorithm": args.algorithm, "seed": args.seed}
    say(
        t(
            "starting a SuperLink and {n} SuperNodes on 127.0.0.1 (insecure: loopback only) ...",
            n=args.clients,
        )
    )
    try:
        with Deployment(args.clients, echo=progress) as flower:
            say(t("SuperLink on 127.0.0.1:{port}; submitting the App with `flwr run` ...", port=flower.port))
            run = flower.run(config, timeout=args.timeout)
    except KeyboardInterrupt:
        say(t("interrupted: every process started was stopped"))
        return 130
    except (RuntimeError, TimeoutError) as exc:
        say(t("failed: {error}", error=exc))
        say(t("every process started was stopped"))
        return 1
    say(t("done in {seconds:.0f} s; every process started was stopped", seconds=run.seconds))
    print(t("round  test accuracy (Flower)  test accuracy (kit)"))
    from fedlearn_edu.frameworks.flower import kit_reference

    kit = kit_reference(run.config)
    for r, (ours, theirs) in enumerate(zip(run.accuracy, kit.test_accuracy, strict=True)):
        print(f"{r:5d}  {ours:22.4f}  {theirs:19.4f}")
    diff = compare_with_kit(run)
    pair = ALGORITHMS[args.algorithm]
    print(t("max |Flower's final weights - the kit's fast engine's| = {diff:.2e}", diff=diff))
    print(t("Flower's {flower} vs the kit's {kit}: {note}", flower=pair.flower, kit=pair.kit, note=pair.note))
    if pair.about.startswith("the same:") and diff > 1e-5:
        say(t("the difference is larger than 1e-5: this should not happen"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

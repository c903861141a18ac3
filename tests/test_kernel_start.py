"""A kernel that dies before it answers is started again (tests/kernel_start.py), for nbval and for nbclient."""

from __future__ import annotations

import json
import sys

import nbval.plugin
import pytest

from tests.kernel_start import DIED, RetryingKernel, retrying


def _dies(times: int):
    calls = []

    def start():
        calls.append(1)
        if len(calls) <= times:
            raise RuntimeError(DIED)
        return "kernel"

    return start, calls


def test_a_kernel_that_died_is_started_again():
    start, calls = _dies(2)
    assert retrying(start) == "kernel"
    assert len(calls) == 3


def test_a_kernel_that_always_dies_fails_after_three_starts():
    start, calls = _dies(99)
    with pytest.raises(RuntimeError, match=DIED):
        retrying(start)
    assert len(calls) == 3


def test_any_other_error_is_not_retried():
    calls = []

    def start():
        calls.append(1)
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    with pytest.raises(RuntimeError, match="respond"):
        retrying(start)
    assert len(calls) == 1


def test_nbval_starts_its_kernels_with_retries():
    assert nbval.plugin.RunningKernel is RetryingKernel  # installed by the root conftest.py


# A kernel spec whose first start dies (as a kernel that lost its port does) and whose next start is ipykernel.
FLAKY = """
import os, sys
marker = sys.argv[1]
if not os.path.exists(marker):
    open(marker, "w").close()
    sys.stderr.write("zmq.error.ZMQError: Address already in use (a staged race)\\n")
    sys.exit(1)
os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", sys.argv[2]])
"""
DEAD = "import sys; sys.stderr.write('ModuleNotFoundError: no ipykernel here\\\\n'); sys.exit(1)"


def _kernel_spec(tmp_path, monkeypatch, name: str, argv: list[str]) -> None:
    spec = tmp_path / "kernels" / name
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": name, "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))


@pytest.mark.timeout(120)
def test_nbval_kernel_survives_a_lost_port_race(tmp_path, monkeypatch):
    script = tmp_path / "flaky.py"
    script.write_text(FLAKY)
    marker = tmp_path / "died-once"
    _kernel_spec(
        tmp_path, monkeypatch, "flaky", [sys.executable, str(script), str(marker), "{connection_file}"]
    )
    kernel = RetryingKernel("flaky", cwd=str(tmp_path), startup_timeout=60)
    try:
        assert marker.exists(), "the staged race never happened"
        msg_id = kernel.kc.execute("print(6 * 7)")
        reply = kernel.kc.get_shell_msg(timeout=30)
        assert reply["parent_header"]["msg_id"] == msg_id and reply["content"]["status"] == "ok"
    finally:
        kernel.stop()


@pytest.mark.timeout(120)
def test_a_kernel_that_cannot_start_fails_with_its_stderr(tmp_path, monkeypatch):
    _kernel_spec(tmp_path, monkeypatch, "dead", [sys.executable, "-c", DEAD])
    with pytest.raises(RuntimeError, match=DIED) as err:
        RetryingKernel("dead", cwd=str(tmp_path), startup_timeout=60)
    assert "no ipykernel here" in str(err.value)

"""The browser test's JupyterLab cannot outlive a killed test runner: ``tests/orphan_guard.py`` ends it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups: POSIX only")

# A stand-in for the test process: starts the guard (new session) around a long sleep, says its pid, waits.
STARTER = """
import subprocess, sys, time
guard = subprocess.Popen([sys.executable, sys.argv[1], str(__import__("os").getpid()), sys.executable, "-c",
                          "import time; time.sleep(120)"], start_new_session=True)
print(guard.pid, flush=True)
time.sleep(120)
"""


def _group_alive(pgid: int) -> bool:
    """A live (not zombie) process in the group: an exited guard the starter never reaped is a zombie."""
    import psutil

    for proc in psutil.process_iter(["status"]):
        with contextlib.suppress(OSError, psutil.Error):
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                return True
    return False


@pytest.mark.timeout(60)
def test_the_guard_ends_its_command_when_the_starter_is_killed():
    starter = subprocess.Popen([sys.executable, "-c", STARTER, str(ROOT / "tests" / "orphan_guard.py")],
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    group = int(starter.stdout.readline())
    try:
        time.sleep(1.5)
        assert _group_alive(group), "the guard ended its command while the starter was alive"
        starter.send_signal(signal.SIGKILL)  # no teardown can run
        starter.wait()
        deadline = time.monotonic() + 15
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(group), "the command outlived its killed starter"
    finally:
        if _group_alive(group):
            os.killpg(group, signal.SIGKILL)

"""Run a command; end it (its whole process group) if the process that started us dies.

    python tests/orphan_guard.py PARENT_PID COMMAND [ARGS...]

The browser test starts JupyterLab through this, in a new session. The test's fixture stops the
server on success, failure and Ctrl+C, but a test runner killed outright (``timeout`` sends SIGTERM,
an out-of-memory kill sends SIGKILL) runs no teardown, and the server would live on. This guard
notices within half a second that ``PARENT_PID`` is gone and ends the group: SIGTERM, then SIGKILL
after 10 s. It exits with the command's exit code. POSIX only (the browser test runs on Linux).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    parent, command = int(argv[0]), argv[1:]
    child = subprocess.Popen(command)
    while child.poll() is None:
        if os.getppid() != parent:  # reparented: the process that started us is gone
            group = os.getpgid(0)
            os.killpg(group, signal.SIGTERM)  # reaches us too; our handler lets us follow up
            deadline = time.monotonic() + 10
            while child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            os.killpg(group, signal.SIGKILL)
        time.sleep(0.5)
    return child.returncode


if __name__ == "__main__":
    # stop() signals the whole group: we outlive the signal and end when the command does. (A handler,
    # not SIG_IGN: an ignored signal would stay ignored in the command we start.)
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    sys.exit(main(sys.argv[1:]))

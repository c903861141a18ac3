"""Start a Jupyter kernel again when it dies before it answers: it lost a race for a TCP port.

jupyter_client picks free ports, closes them, and hands them to the new kernel. On a busy machine another
process can bind one of them in between, and ipykernel exits ("Address already in use") before it replies
to ``kernel_info`` (jupyter/jupyter_client#154). The suite runs two pytest workers that each start kernels,
next to Flower's servers and the browser test's JupyterLab, so it can lose that race: CI did once
(3 December 2026: "Kernel died before replying to kernel_info" on every cell of lesson 00). A second start
gets fresh ports. The root ``conftest.py`` installs :class:`RetryingKernel` for nbval; other tests wrap
their kernel starts in :func:`retrying`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import TypeVar

from nbval.kernel import RunningKernel, start_new_kernel

ATTEMPTS = 3
DIED = "Kernel died before replying to kernel_info"  # jupyter_client's words (client.py, wait_for_ready)

T = TypeVar("T")


def retrying(start: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """``start()``, called again (up to ``attempts`` times in all) while the kernel it starts dies before
    answering. Any other error, and the last death, is raised at once."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    for attempt in range(1, attempts + 1):
        try:
            return start()
        except RuntimeError as err:
            if DIED not in str(err) or attempt == attempts:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


class RetryingKernel(RunningKernel):
    """nbval's kernel, started with :func:`retrying`. nbval sends the kernel's stderr to /dev/null; here a
    kernel that dies every time fails with the end of its stderr, which names the cause."""

    def __init__(self, kernel_name, cwd=None, startup_timeout=60):
        def start():
            with tempfile.TemporaryFile("w+") as stderr:  # the kernel keeps its own handle once started
                try:
                    return start_new_kernel(
                        startup_timeout=startup_timeout, kernel_name=kernel_name, stderr=stderr, cwd=cwd
                    )
                except RuntimeError as err:
                    stderr.seek(0)
                    raise RuntimeError(f"{err}; the kernel's stderr ended:\n{stderr.read()[-2000:]}") from err

        self.km, self.kc = retrying(start)
        self._ensure_iopub_up()

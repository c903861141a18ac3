"""pytest set-up for every path the suite collects; the tests' own fixtures are in ``tests/conftest.py``.

nbval starts one kernel per notebook. If that kernel loses a race for a TCP port, every cell of the notebook
fails; ``tests/kernel_start.py`` explains the race and starts the kernel again.
"""

import nbval.plugin

from tests.kernel_start import RetryingKernel

nbval.plugin.RunningKernel = RetryingKernel

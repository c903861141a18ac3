"""fedlearn-edu: a teaching kit for federated learning.

The package is small on purpose; each module holds one idea and is named after it. From the
bottom layer up (a module only imports from the layers above it in this list):

- ``aggregate``    -- averaging client models: the article's mean, McMahan's weighted FedAvg, and the
                      robust rules (median, trimmed mean, Krum, norm clipping); numpy only
- ``data``         -- the digits data set, the article's toy data, and client partitions; numpy only
- ``commlog``      -- the log of what travels between server and workers
- ``training``     -- the one local-training routine (plain SGD, a per-step correction, a step budget)
                      and the one place minibatch order comes from
- ``workers``      -- ``VirtualWorker``: a client that keeps its data and trains what it is sent
- ``two_workers``  -- the article's bob-and-alice experiment (lesson 03)
- ``algorithms``   -- one federated algorithm a file behind one interface: FedAvg, robust rules, DP-FedAvg
- ``simulation``   -- ``simulate`` / ``run_fedavg`` over many clients: one round driver, a readable engine
                      and a fast one (lesson 04)
- ``privacy``      -- gradient leakage, DP-FedAvg and its accountant, secure aggregation (lesson 06)
- ``attacks``      -- poisoned clients: label flipping, sign flipping, a backdoor; ``Malicious`` plugs
                      attackers into any algorithm by client id (lesson 07)
- ``plots``        -- figures: the shared style, then one module per topic
- ``widgets``      -- interactive widgets for the lessons, one module per widget
- ``checker``      -- the exercise checker behind ``q1.check()``, ``q1.hint()``, ``q1.solution()``
- ``questions``    -- the exercises of each lesson, one module per lesson
- ``envcheck``     -- "is my environment complete?" for lesson 00

The instructor commands (exercise generator, notebook execution, slides, site) are not part of the
package: they live in ``authoring/`` at the repository root and are run through ``kit.py``.

Importing the package imports nothing heavy: ``import fedlearn_edu.aggregate`` needs numpy only.

Arguments are checked in one place, ``_validation``: a wrong type is a ``TypeError``, a wrong value
a ``ValueError``, each message names the argument and shows what it got; ``np.integer`` and
``np.floating`` count as ``int`` and ``float``, ``bool`` never counts as a number.

**One rule for randomness.**

- Every function that draws random numbers takes ``seed=`` and touches no global random state.
- A seed is a whole number >= 0, a ``numpy.random.Generator`` (used as it is, so successive calls
  continue one stream), or ``None``. Anything else (``-1``, ``1.5``, ``"0"``, ``True``) is refused.
- ``None`` means the same everywhere: fresh entropy from the operating system, a different result
  on every run. It never means "some fixed seed".
- The default is ``seed=0`` (same call, same answer, on every machine) -- except in code whose
  purpose is privacy or security: DP noise (``privacy.dp``) and secure aggregation's keys and
  polynomials (``privacy.secagg``) default to ``seed=None``, because noise or keys that anyone can
  replay protect nobody. There, a seed makes a *teaching replay*, not a secure run.
- Notebooks and tests always pass a seed, so every number they print repeats.
"""

__version__ = "0.1.0"

"""The kit's privacy accountant against Google's ``dp_accounting`` library (RDP and PLD), same runs.

    python benchmarks/dp_accounting_compare.py            # needs dp_accounting (see below)
    python benchmarks/dp_accounting_compare.py --lesson   # only lesson 06's settings

For each (noise multiplier sigma, sampling rate q, rounds) it prints three epsilons at the same
delta: the kit's (``fedlearn_edu.privacy.accountant.epsilon``, a Renyi-DP bound), ``dp_accounting``'s
``RdpAccountant`` (also Renyi DP; should agree closely) and its ``PLDAccountant`` (privacy loss
distributions, a tighter accounting of the same mechanism), and how far each is from the kit's.
Every run is Poisson-sampled Gaussian noise composed over the rounds, add-or-remove-one neighbours
(one client more or less), as in DP-FedAvg.

``dp_accounting`` is not a dependency of the kit. Install it in a throwaway environment and run the
script with that environment's Python (the script finds the kit from its own location; the kit's
accountant needs numpy only):

    python3 -m venv /tmp/dpacc && /tmp/dpacc/bin/pip install dp-accounting
    /tmp/dpacc/bin/python benchmarks/dp_accounting_compare.py
"""

from __future__ import annotations

import argparse
import logging
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fedlearn_edu.privacy.accountant import epsilon as kit_epsilon

# Lesson 06: q = 0.2, delta = 1e-3, the table of section 5 (10/40/160 rounds) and its DP runs (30 rounds).
LESSON = [(s, 0.2, t) for s in (0.5, 1.0, 2.0, 4.0) for t in (10, 30, 40, 160)]
GRID = [(s, q, t) for s in (0.5, 1.0, 2.0, 4.0) for q in (0.01, 0.2, 1.0) for t in (10, 100, 1000)]


class _CountingHandler(logging.Handler):
    """A logging handler that only counts the records it gets."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def library_epsilons(sigma: float, q: float, rounds: int, delta: float) -> tuple[float, float]:
    """dp_accounting's RDP and PLD epsilon for ``rounds`` Poisson-sampled Gaussian rounds."""
    from dp_accounting import dp_event
    from dp_accounting.pld import pld_privacy_accountant
    from dp_accounting.rdp import rdp_privacy_accountant

    event = dp_event.SelfComposedDpEvent(
        dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), rounds
    )
    rdp = rdp_privacy_accountant.RdpAccountant()
    rdp.compose(event)
    pld = pld_privacy_accountant.PLDAccountant()
    pld.compose(event)
    return rdp.get_epsilon(delta), pld.get_epsilon(delta)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delta", type=float, default=1e-3, help="delta for every run (lesson 06: 1e-3)")
    parser.add_argument("--lesson", action="store_true", help="only lesson 06's settings (q = 0.2)")
    args = parser.parse_args(argv)

    print(f"machine: {platform.machine()} {platform.system()} | Python {platform.python_version()}")
    try:
        version = metadata.version("dp-accounting")
    except metadata.PackageNotFoundError:
        print(
            "dp_accounting is not installed in this Python: skipping the comparison. It is not a kit "
            "dependency; to run this benchmark:\n"
            "    python3 -m venv /tmp/dpacc && /tmp/dpacc/bin/pip install dp-accounting\n"
            f"    /tmp/dpacc/bin/python {Path(__file__).relative_to(Path(__file__).parents[1])}"
        )
        return 0
    # dp_accounting logs (through absl) each fractional Renyi order whose series it could not sum and
    # leaves out; that only makes its RDP epsilon larger (a looser bound), never wrong. Count, not print.
    skipped = _CountingHandler()
    logging.getLogger("absl").addHandler(skipped)
    logging.getLogger("absl").propagate = False
    print(f"dp_accounting {version} (RdpAccountant and PLDAccountant with their default settings)")
    print(f"delta = {args.delta:g}; Poisson sampling; add-or-remove-one neighbours\n")

    header = f"{'sigma':>6}{'q':>6}{'rounds':>8}{'kit':>10}{'RDP':>10}{'PLD':>10}{'RDP/kit-1':>11}{'PLD/kit-1':>11}"
    print(header)
    print("-" * len(header))
    rdp_gaps, pld_gaps, start = [], [], time.perf_counter()
    for sigma, q, rounds in LESSON if args.lesson else LESSON + GRID:
        kit = kit_epsilon(sigma, q, rounds, args.delta)
        rdp, pld = library_epsilons(sigma, q, rounds, args.delta)
        rdp_gaps.append(rdp / kit - 1)
        pld_gaps.append(pld / kit - 1)
        print(
            f"{sigma:>6g}{q:>6g}{rounds:>8d}{kit:>10.3f}{rdp:>10.3f}{pld:>10.3f}"
            f"{rdp_gaps[-1]:>+11.1%}{pld_gaps[-1]:>+11.1%}"
        )
    print(
        f"\nRDP vs kit: {min(rdp_gaps):+.2%} to {max(rdp_gaps):+.2%} | "
        f"PLD vs kit: {min(pld_gaps):+.1%} to {max(pld_gaps):+.1%} | "
        f"{len(rdp_gaps)} settings in {time.perf_counter() - start:.0f} s"
    )
    if skipped.count:
        print(f"(dp_accounting's RdpAccountant left out {skipped.count} fractional orders it could not sum)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

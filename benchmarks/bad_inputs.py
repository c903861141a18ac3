"""Probe: run every bad input of ``tests/test_bad_inputs.py`` and count how the package answers.

    python benchmarks/bad_inputs.py          (from the repository root)

Each row of ``CASES`` is *clear* (the expected exception, its message names the problem), *silent
wrong* (it returned a result), *unclear* (another exception, or a message without the word) or a
*hang* (no answer within 5 s). Each row of ``RESULTS`` is *correct*, *silent wrong* or *unclear*.
"""

from __future__ import annotations

import collections
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_bad_inputs import CASES, RESULTS


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def _run(call):
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(5)
    try:
        return "ok", call()
    except Hang:
        return "hang", None
    except Exception as exc:
        return "raised", exc
    finally:
        signal.alarm(0)


def main() -> None:
    verdicts = collections.Counter()
    for name, call, error, word in CASES:
        status, value = _run(call)
        if status == "ok":
            verdict = "silent wrong"
        elif status == "hang":
            verdict = "hang"
        elif isinstance(value, error) and word.lower() in str(value).lower():
            verdict = "clear"
        else:
            verdict = "unclear"
        verdicts[verdict] += 1
        if verdict != "clear":
            shown = repr(value)[:100] if status == "raised" else status
            print(f"{verdict:13s} {name:40s} {shown}")
    for name, call, check in RESULTS:
        status, value = _run(call)
        try:
            verdict = "correct" if status == "ok" and check(value) else status
        except Exception:
            verdict = "silent wrong"
        verdict = {"ok": "silent wrong", "raised": "unclear"}.get(verdict, verdict)
        verdicts[verdict] += 1
        if verdict != "correct":
            print(f"{verdict:13s} {name:40s} {repr(value)[:100]}")
    total = sum(verdicts.values())
    print(f"\n{total} inputs: " + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())))
    print(f"python {sys.version.split()[0]} on {sys.platform}")


if __name__ == "__main__":
    main()

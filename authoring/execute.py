"""Re-run notebooks top to bottom and store their outputs -- never edit stored outputs by hand.

    python kit.py execute                      every notebook in notebooks/ and solutions/
    python kit.py execute notebooks/02_*.ipynb just these

The stored outputs are what ``nbval`` compares against in the test suite, so run this in the
classroom environment (``kit.py`` does) after changing a lesson. Outputs are made stable: no
timing metadata, no widget state, widget output ids numbered by position. After re-running
solutions, regenerate the exercises (``python kit.py exercises``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SLOW_SECONDS = 30


def _merge_streams(outputs: list) -> list:
    """Join consecutive prints to the same stream: how a kernel splits them varies from run to run."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = previous["text"] + output["text"]
        else:
            merged.append(output)
    return merged


def stabilise(nb: nbformat.NotebookNode) -> None:
    """Remove what changes from run to run but teaches nothing (timings, random widget ids)."""
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)  # 3.11.7 here, 3.11.9 elsewhere
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell.outputs = _merge_streams(cell.outputs)
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                count += 1
                view["model_id"] = f"stored-widget-{count}"


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    stabilise(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    paths = [Path(a).resolve() for a in argv] or sorted(
        [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("solutions/*.ipynb")]
    )
    failed = 0
    for path in paths:
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        try:
            seconds = execute(path)
        except CellExecutionError as exc:
            failed += 1
            print(f"FAILED {name}: a cell raised; nothing was written\n{str(exc)[-2000:]}", file=sys.stderr)
            continue
        slow = f"  <-- slower than {SLOW_SECONDS} s: trim it" if seconds > SLOW_SECONDS else ""
        print(f"{seconds:6.1f} s  {name}{slow}")
    if any(p.parent.name == "solutions" for p in paths):
        print("solutions changed? regenerate the exercises: python kit.py exercises")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

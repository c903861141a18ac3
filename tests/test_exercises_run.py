"""Every exercise notebook, exactly as a student first opens it, runs top to bottom without an error,
and every check in it says "not attempted yet" (so a check that passes on an unsolved notebook fails here)."""

import re

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT
from tests.kernel_start import retrying

EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb")) + sorted((ROOT / "zh" / "exercises").glob("*.ipynb"))
CHECK = re.compile(r"^\s*q\d+\.check\(", re.MULTILINE)


def _text(output) -> str:
    if output.output_type == "stream":
        return output.text
    return output.get("data", {}).get("text/plain", "")


def _not_attempted(path) -> str:
    """What an unanswered check says, in the language of the notebook's edition."""
    if path.parent.parent.name == "zh":
        from fedlearn_edu.i18n import catalogue

        return catalogue("zh")["Not attempted yet"]
    return "Not attempted yet"


@pytest.mark.parametrize(
    "path", EXERCISES, ids=[p.relative_to(ROOT).with_suffix("").as_posix() for p in EXERCISES]
)
def test_unsolved_exercise_runs_and_every_check_says_not_attempted(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    retrying(client.execute)  # a kernel that dies at start has run no cell: starting again is safe
    errors = [
        f"cell {i}: {o.ename}: {o.evalue}"
        for i, cell in enumerate(nb.cells)
        for o in cell.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors, errors
    check_cells = [cell for cell in nb.cells if cell.cell_type == "code" and CHECK.search(cell.source)]
    assert check_cells, "an exercise notebook without a single check"
    for cell in check_cells:
        text = "".join(_text(o) for o in cell.outputs)
        assert text.count(_not_attempted(path)) == len(CHECK.findall(cell.source)), (cell.source, text)

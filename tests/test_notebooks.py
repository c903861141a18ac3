"""Notebook hygiene and the curriculum's conventions, checked on the stored notebooks (nbval re-runs them)."""

import json
import re
from urllib.parse import unquote, urlparse

import nbformat
import pytest

from conftest import ROOT

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
STORED = LESSONS + SOLUTIONS
# The Chinese edition (zh/, built by `python kit.py translate build`) keeps the same hygiene.
ZH = ROOT / "zh"
ZH_STORED = sorted((ZH / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (ZH / "solutions").glob("[0-9][0-9]_*.ipynb")
)
ZH_EXERCISES = sorted((ZH / "exercises").glob("[0-9][0-9]_*.ipynb"))
MACHINE_PATH = re.compile(r"(/(root|home|tmp|work|Users)/|[A-Z]:\\\\)")
TIMING = re.compile(r"\b\d+(\.\d+)?\s*(ms|s|sec|seconds)\b.*\b(elapsed|took|wall)\b", re.IGNORECASE)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _ids(paths):
    return [("zh/" if p.parent.parent == ZH else "") + f"{p.parent.name}/{p.stem}" for p in paths]


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_the_first_lessons_exist():
    names = [p.stem for p in LESSONS]
    for number in ("00", "01", "02"):
        assert any(n.startswith(number + "_") for n in names), f"lesson {number} is missing"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_follows_the_curriculum_conventions(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# Lesson {path.stem[:2]}"), (
        "title first"
    )
    for needed in ("**You will be able to**", "**Prerequisites:**", "**Time:**"):
        assert needed in first.source, f"the first cell needs {needed}"
    text = _markdown(nb)
    assert "## Key take-aways" in text
    exercise = f"../exercises/{path.name}"
    assert exercise in nb.cells[-1].source, f"the last cell links to its exercises ({exercise})"
    assert (ROOT / "exercises" / path.name).exists() and (ROOT / "solutions" / path.name).exists()


@pytest.mark.parametrize("path", STORED + ZH_STORED, ids=_ids(STORED + ZH_STORED))
def test_stored_outputs_are_clean_and_complete(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code if c.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), (
        "run top to bottom once (python kit.py execute), not by hand"
    )
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert "widgets" not in nb.metadata, "widget state is random from run to run; kit.py execute strips it"
    for i, cell in enumerate(code):
        assert "execution" not in cell.metadata, f"cell {i}: timing metadata"
        for output in cell.outputs:
            assert output.output_type != "error", f"cell {i}: a stored error ({output.get('ename')})"
            text = json.dumps({k: v for k, v in output.items() if k != "data"}) + json.dumps(
                {k: v for k, v in output.get("data", {}).items() if not k.startswith("image/")}
            )
            assert not MACHINE_PATH.search(text), f"cell {i}: an output shows a machine path"
            assert not TIMING.search(text), f"cell {i}: an output shows a timing"
            assert not re.search(r" at 0x[0-9a-f]{6,}", text), (
                f"cell {i}: a memory address (end plot cells with plt.show())"
            )
            assert output.get("name") != "stderr" or not output.text.strip(), (
                f"cell {i}: stderr output: {output.text[:200]}"
            )


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_every_figure_has_a_caption(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        has_figure = any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        if has_figure:
            following = next((c for c in nb.cells[i + 1 :] if c.cell_type == "markdown"), None)
            assert following is not None and "What to see" in following.source, (
                f"cell {i} draws a figure: the next markdown cell should say *What to see:* ..."
            )


ALL = STORED + EXERCISES + ZH_STORED + ZH_EXERCISES


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_local_links_resolve(path):
    nb = nbformat.read(path, as_version=4)
    for target in LINK.findall(_markdown(nb)):
        parsed = urlparse(target)
        if parsed.scheme or target.startswith("#"):
            continue
        assert (path.parent / unquote(parsed.path)).exists(), f"{path.name}: broken link {target}"


def test_lessons_and_practice_notebooks_pair_up():
    assert [p.name for p in SOLUTIONS] == [p.name for p in EXERCISES]
    assert {p.name for p in SOLUTIONS} <= {p.name for p in LESSONS}


ZH_SOLUTIONS = [p for p in ZH_STORED if p.parent.name == "solutions"]


@pytest.mark.parametrize("path", SOLUTIONS + ZH_SOLUTIONS, ids=_ids(SOLUTIONS + ZH_SOLUTIONS))
def test_every_check_in_a_solutions_notebook_says_correct(path):
    # nbval re-runs these notebooks and compares outputs, so this holds for a fresh run too
    correct = "✓ Correct"
    if path.parent.parent == ZH:
        from fedlearn_edu.i18n import catalogue

        correct = "✓ " + catalogue("zh")["Correct"]
    nb = nbformat.read(path, as_version=4)
    checks = 0
    for cell in nb.cells:
        calls = (
            re.findall(r"^\s*q\d+\.check\(", cell.source, re.MULTILINE) if cell.cell_type == "code" else []
        )
        if calls:
            checks += len(calls)
            text = "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in cell.outputs)
            assert text.count(correct) == len(calls), f"{cell.source[:80]!r} -> {text[:300]!r}"
    assert checks, "a solutions notebook without checks"

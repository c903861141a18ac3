"""The package's layers point one way, and heavy libraries load only where they are needed."""

import ast
import subprocess
import sys

import pytest
from conftest import ROOT

PACKAGE = ROOT / "fedlearn_edu"

# Lower layers never import higher ones. Plots and widgets sit on top; the core never imports them.
LAYERS = {
    "_compare": 0, "_models": 0, "_validation": 0, "aggregate": 0, "data": 0, "commlog": 0, "envcheck": 0,
    "training": 1, "workers": 1, "two_workers": 1,
    "algorithms": 2, "simulation": 2, "privacy": 2,
    "attacks": 3, "frameworks": 3,
    "plots": 4,
    "widgets": 5,
    "checker": 0, "questions": 6,
    "tools": 7,
}  # fmt: skip
# No exceptions: workers no longer re-exports train_two_workers (that was an import cycle).
ALLOWED: set[tuple[str, str]] = set()


def _top(module: str) -> str:
    return module.split(".")[1] if module.startswith("fedlearn_edu.") else ""


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_has_a_layer():
    for path in MODULES:
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts != ("__init__",):
            assert parts[0] in LAYERS, f"{path.name}: add {parts[0]!r} to LAYERS"


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_imports_point_down(path):
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts == ("__init__",):
        return
    mine = parts[0]
    for module in _imports(path):
        theirs = _top(module)
        if not theirs or theirs == mine or (mine, theirs) in ALLOWED:
            continue
        assert LAYERS[theirs] <= LAYERS[mine], (
            f"{mine} (layer {LAYERS[mine]}) imports {module} (layer {LAYERS[theirs]})"
        )


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("fedlearn_edu.aggregate", ["torch", "matplotlib", "sklearn", "ipywidgets"]),
        ("fedlearn_edu.data", ["torch", "matplotlib", "sklearn", "ipywidgets"]),
        ("fedlearn_edu.commlog", ["torch", "matplotlib"]),
        ("fedlearn_edu.checker", ["torch", "matplotlib", "ipywidgets"]),
        ("fedlearn_edu.questions.lesson02", ["torch", "matplotlib"]),
        ("fedlearn_edu.envcheck", ["torch", "matplotlib", "sklearn"]),
        ("fedlearn_edu.simulation", ["matplotlib", "ipywidgets", "sklearn"]),
        ("fedlearn_edu.workers", ["matplotlib", "ipywidgets"]),
    ],
)
def test_heavy_imports_stay_where_they_are_needed(module, forbidden):
    code = f"import sys, {module}; print(sorted(m for m in {forbidden!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"importing {module} loaded {out.stdout.strip()}"

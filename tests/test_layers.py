"""The package's layers point one way, no module imports itself back, heavy libraries load only where needed.

Every import between ``fedlearn_edu`` modules is read from the source with ``ast``: module-level and
function-level imports, ``import fedlearn_edu.x``, ``from fedlearn_edu import x``, relative imports and
``importlib.import_module("fedlearn_edu.x")`` / ``__import__(...)`` with a literal name. A lazy import inside a
function still runs, so it counts.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE_NAME = "fedlearn_edu"
PACKAGE = ROOT / PACKAGE_NAME

# The layers from the bottom up (the README's "Package map"). A module may import modules of its own layer
# or a lower one, never a higher one; cycles are caught separately, inside a layer too. A module's layer is
# given by the longest entry that names it or a package containing it ("privacy.dp" before "privacy"), so a
# new module of a package slots in by itself and a new top-level module needs a line here
# (test_every_module_has_a_layer says so).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("helpers", ("_validation", "_compare", "_models", "i18n")),
    # numpy-only maths and data; the privacy package's own __init__ imports nothing, and its accountant and
    # secure aggregation are pure maths, so an algorithm may use them.
    ("maths and data", ("aggregate", "data", "commlog", "envcheck", "privacy", "privacy.accountant",
                        "privacy.secagg", "privacy.dp", "drift", "applications.credit", "applications.evaluate",
                        "applications.vertical")),
    ("training", ("training", "workers", "two_workers")),
    ("algorithms", ("algorithms",)),
    ("simulation", ("simulation",)),
    ("uses of the simulation", ("privacy.leakage", "attacks", "applications")),
    ("frameworks", ("frameworks",)),
    ("exercises", ("checker", "questions")),  # may import anything below plots
    ("plots", ("plots",)),  # on top: never imported by the layers below
    ("widgets", ("widgets",)),
]  # fmt: skip
LEVEL = {entry: level for level, (_, entries) in enumerate(LAYERS) for entry in entries}
NAME = [name for name, _ in LAYERS]
BOTTOM = ("helpers", "maths and data")  # numpy only: the averaging lesson runs without torch
HEAVY = {  # library -> the lowest layer allowed to import it
    "torch": "training",
    "matplotlib": "plots",
    "ipywidgets": "widgets",
}


@dataclass(frozen=True)
class Import:
    source: str  # dotted name of the importing module
    target: str  # dotted name of the module imported (a submodule when the name is one)
    line: int
    in_function: bool

    def where(self) -> str:
        return f"{self.source} line {self.line}" + (" (in a function)" if self.in_function else "")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package."""
    return {
        module_name(p, package.parent): p
        for p in sorted(package.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """The module ``name`` refers to: itself, or the longest existing module containing it."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def raw_imports(path: Path, module: str) -> list[tuple[str, list[str], int, bool]]:
    """(module named, names imported from it, line, inside a function?) for every import in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, list[str], int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno, in_function) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, [alias.name for alias in node.names], node.lineno, in_function))
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Name) and node.func.id in ("__import__", "import_module"))
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.args[0].value, [], node.lineno, in_function))
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return found


def package_imports(modules: dict[str, Path]) -> list[Import]:
    """Every import from one package module of another, resolved to the module it loads."""
    edges = []
    for module, path in modules.items():
        for named, names, line, in_function in raw_imports(path, module):
            if named.split(".")[0] != PACKAGE_NAME:
                continue
            targets = {f"{named}.{n}" for n in names if f"{named}.{n}" in modules} or {named}
            if names and len(targets) < len(names) and named in modules:
                targets.add(named)  # `from pkg import submodule, name`: both load
            for target in sorted(targets):
                edges.append(Import(module, _resolve(target, modules), line, in_function))
    return edges


def layer_of(module: str) -> int | None:
    """The layer index of a package module (the package's own __init__ is below everything)."""
    if module == PACKAGE_NAME:
        return -1
    rel = module.removeprefix(PACKAGE_NAME + ".")
    while rel not in LEVEL and "." in rel:
        rel = rel.rsplit(".", 1)[0]
    return LEVEL.get(rel)


def _label(module: str) -> str:
    level = layer_of(module)
    return f"{module} ({'the package root' if level == -1 else NAME[level]} layer)"


def layer_violations(edges: list[Import]) -> list[str]:
    """Imports that point up. Importing ``a.b.c`` also runs ``a.b``'s __init__, so that must not point up."""
    problems = []
    for edge in edges:
        mine = layer_of(edge.source)
        loaded = [edge.target]
        parts = edge.target.split(".")
        loaded += [
            ".".join(parts[:i])
            for i in range(2, len(parts))
            if not (edge.source + ".").startswith(".".join(parts[:i]) + ".")  # its own package: fine
        ]
        for target in loaded:
            theirs = layer_of(target)
            if mine is not None and theirs is not None and theirs > mine:
                problems.append(f"{edge.where()}: {_label(edge.source)} imports {_label(target)}")
    return problems


def import_cycles(edges: list[Import]) -> list[list[Import]]:
    """One cycle (as the imports that close it) for each group of modules that import each other (Tarjan)."""
    graph: dict[str, list[Import]] = {}
    for edge in edges:
        if edge.source != edge.target:
            graph.setdefault(edge.source, []).append(edge)
            graph.setdefault(edge.target, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def strongconnect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for edge in graph[node]:
            if edge.target not in index:
                strongconnect(edge.target)
                low[node] = min(low[node], low[edge.target])
            elif edge.target in on_stack:
                low[node] = min(low[node], index[edge.target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            strongconnect(node)

    cycles = []
    for group in groups:  # the shortest way from the group's first module back to it
        start, members = group[0], set(group)
        paths: dict[str, list[Import]] = {start: []}
        queue = [start]
        closing: list[Import] | None = None
        while closing is None:
            node = queue.pop(0)
            for edge in graph[node]:
                if edge.target == start:
                    closing = [*paths[node], edge]
                    break
                if edge.target in members and edge.target not in paths:
                    paths[edge.target] = [*paths[node], edge]
                    queue.append(edge.target)
        cycles.append(closing)
    return cycles


def describe_cycle(cycle: list[Import]) -> str:
    return " -> ".join([cycle[0].source] + [f"{e.target} [{e.where()}]" for e in cycle])


MODULES = package_modules()
EDGES = package_imports(MODULES)


# -- the rules ---------------------------------------------------------------------------------------------


def test_every_module_has_a_layer():
    assert len(MODULES) > 40  # the package was found
    missing = [m for m in MODULES if layer_of(m) is None]
    assert not missing, (
        f"give these modules a layer in LAYERS (and a line in the README's package map): {missing}"
    )


def test_the_import_finder_sees_the_package():
    # The finder can fail too (the made-up packages below test it in detail); on the real package it must
    # see plenty of imports, lazy ones among them, from every part that has any.
    assert len(EDGES) > 50 and any(e.in_function for e in EDGES)
    importers = {layer_of(e.source) for e in EDGES}
    assert {LEVEL[name] for name in ("simulation", "questions", "plots", "widgets")} <= importers


def test_no_import_cycle():
    cycles = import_cycles(EDGES)
    assert not cycles, "import cycles (a function-level import is still an import):\n" + "\n".join(
        describe_cycle(c) for c in cycles
    )


def test_imports_point_down():
    problems = layer_violations(EDGES)
    order = " < ".join(NAME)
    assert not problems, f"imports that point up (layers, bottom first: {order}):\n" + "\n".join(problems)


def heavy_imports(modules: dict[str, Path]) -> list[str]:
    """Imports of a heavy library (torch, matplotlib, ipywidgets) below the layer allowed to use it."""
    problems = []
    for module, path in modules.items():
        level = layer_of(module)
        for named, _, line, _ in raw_imports(path, module):
            library = named.split(".")[0]
            if library in HEAVY and level is not None and level < NAME.index(HEAVY[library]):
                problems.append(f"{module} line {line} ({NAME[level]} layer) imports {named}")
    return problems


def authoring_imports(modules: dict[str, Path]) -> list[str]:
    return [
        f"{module} line {line} imports {named}"
        for module, path in modules.items()
        for named, _, line, _ in raw_imports(path, module)
        if named.split(".")[0] == "authoring"
    ]


def test_heavy_libraries_are_imported_only_from_their_layer():
    problems = heavy_imports(MODULES)
    assert not problems, "\n".join(problems)


def test_the_package_never_imports_the_authoring_commands():
    problems = authoring_imports(MODULES)
    assert not problems, "fedlearn_edu is what a lesson uses; authoring/ is not installed:\n" + "\n".join(
        problems
    )


def test_the_package_holds_no_authoring_assets():
    # What a lesson needs: Python modules, the solutions files q.solution() reads and the catalogues t() reads
    # (fedlearn_edu/locale/<lang>/*.po) -- no JavaScript, templates.
    allowed = {".py", ".json", ".po"}
    stray = sorted(
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in allowed
    )
    assert not stray, f"move these to authoring/: {stray}"


# -- the rules can fail: each checker on a small made-up package ------------------------------------------


@pytest.fixture
def fake(tmp_path):
    """Write a made-up ``fedlearn_edu`` in a temporary folder; return its modules."""

    def make(files: dict[str, str]) -> dict[str, Path]:
        for rel, text in {"__init__.py": "", **files}.items():
            path = tmp_path / PACKAGE_NAME / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return package_modules(tmp_path / PACKAGE_NAME)

    return make


def test_a_cycle_through_a_function_level_import_is_found(fake):
    modules = fake(
        {
            "workers.py": "def f():\n    from fedlearn_edu.two_workers import g\n",
            "two_workers.py": "from fedlearn_edu.workers import VirtualWorker\n",
        }
    )
    (cycle,) = import_cycles(package_imports(modules))
    text = describe_cycle(cycle)
    assert "fedlearn_edu.two_workers" in text and "fedlearn_edu.workers line 2 (in a function)" in text


def test_a_three_module_cycle_inside_one_layer_is_found(fake):
    modules = fake(
        {
            "simulation/__init__.py": "from . import a\n",
            "simulation/a.py": "from .b import x\n",
            "simulation/b.py": "import fedlearn_edu.simulation.c\n",
            "simulation/c.py": "import importlib\nimportlib.import_module('fedlearn_edu.simulation.a')\n",
        }
    )
    cycles = import_cycles(package_imports(modules))
    assert [sorted({e.source for e in c}) for c in cycles] == [
        ["fedlearn_edu.simulation.a", "fedlearn_edu.simulation.b", "fedlearn_edu.simulation.c"]
    ]


def test_an_upward_import_is_found_even_when_lazy_or_relative(fake):
    modules = fake(
        {
            "plots/__init__.py": "",
            "plots/curves.py": "",
            "aggregate.py": "def f():\n    from .plots import curves\n",
            "training.py": "from fedlearn_edu.plots.curves import plot\n",
            "simulation/__init__.py": "",
            "simulation/fast.py": "from ..widgets import explorer\n",
            "widgets/__init__.py": "",
            "widgets/explorer.py": "",
        }
    )
    problems = "\n".join(layer_violations(package_imports(modules)))
    assert "fedlearn_edu.aggregate line 2 (in a function): fedlearn_edu.aggregate (maths and data" in problems
    assert "imports fedlearn_edu.plots.curves (plots layer)" in problems
    assert "fedlearn_edu.training line 1" in problems
    assert (
        "fedlearn_edu.simulation.fast line 1: " in problems and "widgets.explorer (widgets layer)" in problems
    )


def test_importing_a_submodule_runs_its_package_init_so_that_counts_too(fake):
    modules = fake(
        {
            "simulation/__init__.py": "",
            "simulation/models.py": "",
            "training.py": "import fedlearn_edu.simulation.models\n",
        }
    )
    problems = layer_violations(package_imports(modules))
    assert any("imports fedlearn_edu.simulation (simulation layer)" in p for p in problems), problems


def test_downward_and_same_layer_imports_pass(fake):
    modules = fake(
        {
            "aggregate.py": "from fedlearn_edu._models import stack\n",
            "workers.py": "from fedlearn_edu import aggregate\n",
            "two_workers.py": "from fedlearn_edu.workers import VirtualWorker\n",
            "privacy/__init__.py": "",
            "privacy/accountant.py": "",
            "algorithms/__init__.py": "",
            "algorithms/dp.py": "from fedlearn_edu.privacy.accountant import epsilon\n",
            "questions/__init__.py": "",
            "questions/lesson04.py": "def f():\n    from fedlearn_edu.simulation import run_fedavg\n",
            "simulation/__init__.py": "from fedlearn_edu.simulation.fast import run\n",
            "simulation/fast.py": "from fedlearn_edu.simulation.models import mlp\n",
            "simulation/models.py": "",
        }
    )
    edges = package_imports(modules)
    assert len(edges) == 7
    assert layer_violations(edges) == [] and import_cycles(edges) == []


def test_a_heavy_or_authoring_import_in_the_wrong_place_is_found(fake):
    modules = fake(
        {
            "aggregate.py": "def f():\n    import torch.nn\n",
            "simulation/__init__.py": "import matplotlib.pyplot as plt\n",
            "plots/__init__.py": "import matplotlib\n",
            "checker.py": "from authoring import exercises\n",
        }
    )
    assert heavy_imports(modules) == [
        "fedlearn_edu.aggregate line 2 (maths and data layer) imports torch.nn",
        "fedlearn_edu.simulation line 1 (simulation layer) imports matplotlib.pyplot",
    ]
    assert authoring_imports(modules) == ["fedlearn_edu.checker line 1 imports authoring"]


def test_a_module_without_a_layer_is_found(fake):
    modules = fake({"newthing.py": "", "algorithms/__init__.py": "", "algorithms/fedprox.py": ""})
    assert [m for m in modules if layer_of(m) is None] == ["fedlearn_edu.newthing"]


# -- what importing really loads (a fresh interpreter each) -----------------------------------------------


def _loaded(modules: list[str], libraries: list[str]) -> list[str]:
    code = (
        f"import json, sys\nfor m in {modules!r}: __import__(m)\n"
        f"print(json.dumps(sorted(lib for lib in {libraries!r} if lib in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)


def test_the_bottom_layers_load_numpy_only():
    bottom = sorted(m for m in MODULES if layer_of(m) is not None and NAME[layer_of(m)] in BOTTOM)
    assert "fedlearn_edu.aggregate" in bottom and "fedlearn_edu.data" in bottom
    loaded = _loaded(bottom, ["torch", "matplotlib", "sklearn", "ipywidgets", "scipy", "authoring"])
    assert loaded == [], f"importing {bottom} loaded {loaded}"


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("fedlearn_edu.aggregate", ["torch", "matplotlib", "sklearn", "ipywidgets"]),
        ("fedlearn_edu.data", ["torch", "matplotlib", "sklearn", "ipywidgets"]),
        ("fedlearn_edu.commlog", ["torch", "matplotlib"]),
        ("fedlearn_edu.drift", ["torch", "matplotlib", "sklearn", "ipywidgets"]),
        ("fedlearn_edu.checker", ["torch", "matplotlib", "ipywidgets"]),
        ("fedlearn_edu.questions.lesson02", ["torch", "matplotlib"]),
        ("fedlearn_edu.envcheck", ["torch", "matplotlib", "sklearn"]),
        ("fedlearn_edu.algorithms", ["torch", "matplotlib", "ipywidgets"]),  # torch only once tensors come
        ("fedlearn_edu.simulation", ["matplotlib", "ipywidgets", "sklearn"]),
        ("fedlearn_edu.workers", ["matplotlib", "ipywidgets"]),
    ],
)
def test_heavy_imports_stay_where_they_are_needed(module, forbidden):
    loaded = _loaded([module], forbidden)
    assert loaded == [], f"importing {module} loaded {loaded}"

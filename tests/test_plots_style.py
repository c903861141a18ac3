"""One look for every figure: the kit's type scale and line widths, applied by the plot functions themselves."""

import ast
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.lines import Line2D
from matplotlib.text import Text

from conftest import ROOT
from fedlearn_edu import plots
from fedlearn_edu.plots import averaging, diagrams, partitions, privacy, robustness

matplotlib.use("Agg")
FIGURE_MODULES = sorted((ROOT / "fedlearn_edu" / "plots").glob("[a-z]*.py")) + sorted(
    (ROOT / "fedlearn_edu" / "widgets").glob("[a-z]*.py")
)
SIZE_WORDS = {"fontsize", "size", "labelsize"}
WIDTH_WORDS = {"lw", "linewidth", "linewidths"}


def _literal_styles(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg in SIZE_WORDS | WIDTH_WORDS:
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, int | float):
                found.append(f"{path.name}:{node.value.lineno}: {node.arg}={node.value.value}")
    return found


@pytest.mark.parametrize("path", FIGURE_MODULES, ids=[f"{p.parent.name}/{p.stem}" for p in FIGURE_MODULES])
def test_no_figure_module_picks_its_own_font_size_or_line_width(path):
    """Sizes and widths come from plots.SIZES / plots.WIDTHS (or the style's rcParams), never a literal."""
    assert not _literal_styles(path), "use plots.SIZES / plots.WIDTHS:\n" + "\n".join(_literal_styles(path))


def _public_plot_functions(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith(("plot_", "draw_"))]


def _applies_style(func: ast.FunctionDef) -> bool:
    decorated = any("style" in ast.unparse(d) for d in func.decorator_list)
    with_block = any(
        isinstance(n, ast.With) and any("style" in ast.unparse(i.context_expr) for i in n.items)
        for n in ast.walk(func)
    )
    return decorated or with_block


PLOT_MODULES = sorted((ROOT / "fedlearn_edu" / "plots").glob("[a-z]*.py"))


@pytest.mark.parametrize("path", PLOT_MODULES, ids=[p.stem for p in PLOT_MODULES])
def test_every_plot_function_draws_in_the_kits_style(path):
    """At plot time, not import time: each plot_/draw_ function enters ``plots.style()`` itself."""
    missing = [f.name for f in _public_plot_functions(path) if not _applies_style(f)]
    assert not missing, f"{path.name}: {missing} draw without `with style():` / `@style()`"


def _figures():
    gen = np.random.default_rng(0)
    digits = gen.random((6, 64))
    labels = np.repeat(np.arange(10), 20)
    parts = [list(range(i, 200, 10)) for i in range(10)]
    yield (
        "plot_models_2d",
        averaging.plot_models_2d(
            [[0, 1], [1, 0], [2, 2]],
            labels=["a", "b", "c"],
            num_samples=[1, 2, 3],
            ax=plt.figure().gca(),
            title="t",
        ).figure,
    )
    yield (
        "plot_estimates",
        averaging.plot_estimates(
            [1.0, 2.0], [3, 4], labels=["a", "b"], truth=1.5, unit="u", ax=plt.figure().gca(), title="t"
        ).figure,
    )
    yield "draw_centralised_vs_federated", diagrams.draw_centralised_vs_federated()
    yield "plot_partition", partitions.plot_partition(parts, labels, title="t")
    yield (
        "plot_reconstruction",
        privacy.plot_reconstruction(digits[0], {0: digits[1], 5: digits[2]}, title="t"),
    )
    yield (
        "plot_defence_errors",
        privacy.plot_defence_errors(
            {"a": ([1, 2], [[0.1, 0.2], [0.3]]), "b": ([1, 2], [[0.1], [0.2]])}, baseline=0.1, title="t"
        ),
    )
    yield (
        "plot_masked_update",
        privacy.plot_masked_update(gen.normal(size=5), np.arange(5) * 2**60, title="t"),
    )
    yield (
        "plot_aggregates_1d",
        robustness.plot_aggregates_1d([1.0, 2.0, 9.0], {"mean": 4.0}, title="t").figure,
    )
    yield "plot_triggered", robustness.plot_triggered(digits[:3], digits[3:], title="t")


def test_figures_use_one_type_scale_and_one_set_of_line_widths():
    """Drawn with matplotlib's defaults in force (no ``use_style()``), every text and line is on the kit's scale."""
    allowed_sizes = set(plots.SIZES.values())
    allowed_widths = set(plots.WIDTHS.values())
    off = []
    with plt.rc_context(matplotlib.rcParamsDefault):
        for name, fig in _figures():
            fig.canvas.draw()
            for text in fig.findobj(Text):
                if (
                    text.get_text().strip()
                    and text.get_visible()
                    and text.get_fontsize() not in allowed_sizes
                ):
                    off.append(f"{name}: {text.get_text()[:30]!r} at {text.get_fontsize()} pt")
            for line in fig.findobj(Line2D):
                if (
                    line.get_linestyle() not in ("None", "")
                    and line.axes is not None
                    and line in line.axes.lines
                ):
                    if line.get_linewidth() not in allowed_widths:
                        off.append(f"{name}: line {line.get_label()!r} {line.get_linewidth()} wide")
            plt.close(fig)
    assert not off, "\n".join(off)

"""Figures. This file holds the kit's style (colour-blind-safe colours, readable on a projector, one
look everywhere); each topic's figures live in a module of their own beside it
(``plots.averaging``, ``plots.convergence``, ``plots.partitions``, ...).

Plots sit on top of the package: they import the maths, never the other way round.

>>> COLOURS["global"]
'#000000'
"""

from __future__ import annotations

import io
import logging
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from fedlearn_edu.i18n import language

# Okabe & Ito (2008): eight colours that stay distinct under every common colour-vision deficiency.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]

# One colour per role, used by every lesson, so "bob is orange" holds from lesson to lesson.
COLOURS = {
    "bob": "#E69F00",
    "alice": "#56B4E9",
    "carol": "#009E73",
    "client": "#999999",
    "global": "#000000",
    "weighted": "#0072B2",
    "unweighted": "#D55E00",
    "centralised": "#CC79A7",
    "optimum": "#009E73",
}

# One type scale and one set of line widths for every figure of the kit. Figures are shown at their
# native size (80 dpi) in JupyterLab and scaled to fit on the site and the slides, so every figure uses
# the same point sizes: a title never shouts over its own axis labels, a legend never whispers.
SIZES = {"text": 11, "tick": 10, "legend": 10, "note": 10, "title": 12, "suptitle": 13}
WIDTHS = {"data": 2.0, "reference": 1.5, "thin": 1.0, "band": 6.0}

STYLE = {
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 80,
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every laptop, offline
    "font.size": SIZES["text"],
    "axes.titlesize": SIZES["title"],
    "axes.labelsize": SIZES["text"],
    "xtick.labelsize": SIZES["tick"],
    "ytick.labelsize": SIZES["tick"],
    "legend.fontsize": SIZES["legend"],
    "legend.title_fontsize": SIZES["legend"],
    "figure.titlesize": SIZES["suptitle"],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.8,
    "axes.linewidth": 0.8,
    "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
    "lines.linewidth": WIDTHS["data"],
    "lines.markersize": 6,
    "patch.linewidth": WIDTHS["thin"],
    "image.cmap": "viridis",
    "savefig.bbox": "tight",
}


CJK_FONT = "Noto Sans CJK SC"
"""The font for Chinese text; Latin letters and digits stay in DejaVu Sans (matplotlib falls back per glyph)."""


def _cjk_font_file():
    """Noto Sans CJK SC as shipped by the ``mplfonts`` package (SIL Open Font License), found offline."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the Chinese edition draws its figures with the font of the mplfonts package, which is not "
            "installed: run `python kit.py setup` (or `pip install mplfonts`)"
        )
    return Path(spec.submodule_search_locations[0]) / "fonts" / "NotoSansCJKsc-Regular.otf"


class _OneWeightOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (CJK_FONT in record.getMessage() and "Failed to find font weight" in record.getMessage())


def _current_style() -> dict:
    """:data:`STYLE`, with the Chinese font behind DejaVu Sans when the kit speaks Chinese."""
    if language() != "zh":
        return STYLE
    from matplotlib import font_manager

    if CJK_FONT not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(_cjk_font_file()))
        # The font has one weight: bold Chinese is drawn regular, and matplotlib need not say so every time.
        logging.getLogger("matplotlib.font_manager").addFilter(_OneWeightOnly())
    return {**STYLE, "font.family": ["DejaVu Sans", CJK_FONT]}


def use_style() -> None:
    """Apply the kit's style to every figure made after this call (lessons call it once).

    Every plot function also draws inside ``style()``, so its figures look the same without this call;
    a lesson calls it so that its own few ``plt.plot`` lines match.
    """
    plt.rcParams.update(_current_style())


def use_cjk_font() -> None:
    """Let every figure show Chinese (the Chinese edition calls this once, after ``set_language("zh")``).

    matplotlib's own font, DejaVu Sans, has no Chinese glyphs: without this a Chinese title draws as
    boxes and matplotlib warns "Glyph ... missing from font(s)". The font comes from the mplfonts package.
    """
    if language() != "zh":
        raise RuntimeError('use_cjk_font() is for the Chinese edition: call i18n.set_language("zh") first')
    plt.rcParams["font.family"] = _current_style()["font.family"]


@contextmanager
def style():
    """The kit's style for the figures made inside a ``with`` block only."""
    with plt.rc_context(_current_style()):
        yield


def client_colour(index: int) -> str:
    """A distinct colour for client ``index`` (cycles after eight)."""
    return OKABE_ITO[index % len(OKABE_ITO)]


def figure_png(fig: Figure) -> bytes:
    """Render ``fig`` in the kit's style to PNG bytes, quickly (light compression, no bbox search).

    Widgets show their figures this way: an image redraws faster than a live matplotlib canvas.
    """
    buffer = io.BytesIO()
    # Reuse the figure's Agg canvas when it has one: its renderer keeps the sizes of the texts it has
    # laid out (tick labels, titles, log-scale exponents), which a fresh canvas measures again.
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    with style():  # ticks and grid lines are made at draw time: draw them in the kit's style too
        canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()

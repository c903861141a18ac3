"""Build reveal.js lecture slides from the lessons -- offline, with speaker notes.

    python kit.py slides                       every lesson -> build/slides/
    python kit.py slides notebooks/02_*.ipynb  just these
    python kit.py slides --out DIR             somewhere else
    python kit.py slides --split               first mark sub-slides where a screen would overflow
    python kit.py slides --lang zh             the Chinese edition (zh/notebooks) -> build/slides/zh/

Each cell's ``metadata.slideshow.slide_type`` decides where it goes: ``slide`` starts a new slide (right
arrow), ``subslide`` a slide below it (down arrow), ``fragment`` appears on the next key press, ``-`` (or
nothing) continues the current slide, ``notes`` goes to the speaker notes (press S), ``skip`` is left out.
Decks show the notebook's stored outputs (nothing is executed) and load reveal.js, require.js and MathJax
from an ``assets/`` folder copied next to them, so the folder works with no network: copy it to a USB
stick and open ``index.html``.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import nbformat

from authoring import assets

ROOT = Path(__file__).resolve().parents[1]
LESSON_GLOB = "notebooks/[0-9][0-9]_*.ipynb"
DEFAULT_OUT = ROOT / "build" / "slides"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
HREF = re.compile(r'<a href="([^"#:]+\.ipynb)(#[^"]*)?"')  # links written in the notebooks' markdown
WIDGET_NOTE = (
    '<div class="fedlearn-widget-still"><p><strong>Interactive widget</strong> — its controls work in a '
    "running notebook (<code>python3 kit.py lab</code>). What it showed when the lesson was run:</p>"
    "<pre>{text}</pre></div>"
)


def lesson_paths(root: Path = ROOT) -> list[Path]:
    """Every lesson notebook, in lesson order (by its number)."""
    return sorted(root.glob(LESSON_GLOB))


def title_of(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first ``# `` heading of the notebook (the lesson's title).

    >>> title_of(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Lesson 09 · Hi")]), "x")
    'Lesson 09 · Hi'
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def link_pages(page: str, source: Path, hrefs: dict[Path, str]) -> str:
    """Point links to notebooks that were rendered at their pages; leave other links alone.

    ``hrefs`` maps a notebook's path to the link to use instead (relative to the page being written).

    >>> src = Path("/r/notebooks/01_a.ipynb")
    >>> link_pages('<a href="../exercises/01_a.ipynb#q1">', src, {Path("/r/exercises/01_a.ipynb"): "x.html"})
    '<a href="x.html#q1">'
    >>> link_pages('<a href="02_b.ipynb">', src, {})
    '<a href="02_b.ipynb">'
    """

    def swap(match: re.Match) -> str:
        joined = (source.parent / match.group(1)).as_posix()
        while re.search(r"[^/]+/\.\./", joined):
            joined = re.sub(r"[^/]+/\.\./", "", joined, count=1)
        new = hrefs.get(Path(joined))
        return match.group(0) if new is None else f'<a href="{new}{match.group(2) or ""}"'

    return HREF.sub(swap, page)


def still_widgets(nb: nbformat.NotebookNode) -> int:
    """Replace each widget output (it needs a running kernel) by a note and its text; return how many.

    >>> out = nbformat.v4.new_output("display_data", {WIDGET_VIEW: {}, "text/plain": "3 rounds"})
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("w", outputs=[out])])
    >>> still_widgets(nb), "3 rounds</pre>" in nb.cells[0].outputs[0].data["text/html"]
    (1, True)
    """
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                text = str(data.get("text/plain", ""))
                output["data"] = {"text/html": WIDGET_NOTE.format(text=html.escape(text)), "text/plain": text}
                count += 1
    return count


def _has_figure(cell: nbformat.NotebookNode) -> bool:
    return any(
        any(key.startswith("image/") for key in output.get("data", {})) for output in cell.get("outputs", [])
    )


def captions(nb: nbformat.NotebookNode) -> dict[int, str]:
    """For each code cell that draws a figure, the markdown cell right after it (its caption): index -> text.

    A figure without a markdown cell after it gets ``""``.

    >>> out = nbformat.v4.new_output("display_data", {"image/png": "", "text/plain": "<Figure>"})
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("plot()", outputs=[out]),
    ...                                      nbformat.v4.new_markdown_cell("*What to see:* a line.")])
    >>> captions(nb)
    {0: '*What to see:* a line.'}
    """
    found = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and _has_figure(cell):
            after = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
            found[i] = after.source if after is not None and after.cell_type == "markdown" else ""
    return found


GREEK = {"varepsilon": "ε", "epsilon": "ε", "sigma": "σ", "alpha": "α", "delta": "δ", "mu": "μ", "eta": "η"}


def _plain_maths(tex: str) -> str:
    tex = re.sub(r"\\([a-zA-Z]+)", lambda m: GREEK.get(m.group(1), m.group(1)), tex)
    return re.sub(r"[{}]", "", tex)


def caption_sentence(caption: str) -> str:
    """The caption's first sentence as plain text (markdown, maths and the "What to see:" label removed).

    >>> caption_sentence("*What to see:* the **mean** moves to $w_2$ as $\\\\varepsilon$ falls. Then more.")
    'The mean moves to w_2 as ε falls.'
    >>> caption_sentence("*看图要点：*均值随 $\\\\varepsilon$ 变小而移向 $w_2$。之后更多。")
    '均值随 ε 变小而移向 w_2。'
    """
    text = re.sub(r"^\s*[*_]*(?:what to see:?|看图要点：)[*_]*:?\s*", "", caption, flags=re.IGNORECASE)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: keep their words
    parts = re.split(r"\$+([^$]*)\$+", text)  # odd parts are maths
    text = "".join(
        _plain_maths(part) if i % 2 else re.sub(r"[*_`]", "", part) for i, part in enumerate(parts)
    )
    text = " ".join(text.split())
    match = re.match(r"(.+?(?:[.!?](?=\s|$)|[。！？]))", text)  # an English or a Chinese full stop
    sentence = match.group(1) if match else text
    return sentence[:1].upper() + sentence[1:]


def describe_figures(nb: nbformat.NotebookNode) -> int:
    """Give every figure output alt text from its caption's first sentence; return how many got one.

    Pages and decks render it as the image's ``alt`` (the templates read ``metadata.fedlearn.alt``).
    """
    count = 0
    for index, caption in captions(nb).items():
        alt = caption_sentence(caption) if caption else ""
        for output in nb.cells[index].outputs:
            if any(key.startswith("image/") for key in output.get("data", {})) and alt:
                output.setdefault("metadata", {}).setdefault("fedlearn", {})["alt"] = alt
                count += 1
    return count


@dataclass(frozen=True)
class DeckCount:
    """What a built deck holds: slides (left-right), screens (every slide and sub-slide), and so on."""

    slides: int
    screens: int
    fragments: int
    notes: int


class _Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.count = {"slides": 0, "screens": 0, "fragments": 0, "notes": 0}
        self._has_child: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "section":
            if self._has_child:
                self._has_child[-1] = True
            self.depth += 1
            self._has_child.append(False)
            self.count["slides"] += self.depth == 1
        elif tag == "aside" and "notes" in classes:
            self.count["notes"] += 1
        if "fragment" in classes:
            self.count["fragments"] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.depth:
            self.count["screens"] += not self._has_child.pop()  # a leaf section is a screen
            self.depth -= 1


def count_deck(page: str) -> DeckCount:
    """Count a reveal.js page's slides, screens (leaf sections), fragments and speaker notes.

    >>> count_deck("<section><section>a</section><section>b<aside class='notes'>n</aside></section>"
    ...            "</section><section><p class='fragment'>c</p></section>")
    DeckCount(slides=2, screens=3, fragments=1, notes=1)
    """
    parser = _Sections()
    parser.feed(page)
    return DeckCount(**parser.count)


# A rough, browser-free estimate of a screen's height, calibrated on the decks as built (1280 x 720 slides,
# 21px prose, 15px code, figures at most 300px tall): about 32 lines fill a slide. The browser test
# (tests/test_browser.py) measures the real thing; this catches most crowding without a browser.
LINES_PER_SCREEN = 32
WRAP = 120  # characters in a line of text across a 1280px slide
IMAGE_LINES = 10  # a figure on a slide (at most 300px tall) is about as tall as this many lines


def _lines(cell: nbformat.NotebookNode) -> int:
    """Roughly how many text lines of a slide a cell fills (wrapped at ``WRAP`` characters)."""
    text = cell.source.splitlines() or [""]
    total = sum(1 + len(line) // WRAP for line in text) + 1
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if any(key.startswith("image/") for key in data):
            total += IMAGE_LINES
        elif output.get("output_type") == "stream":
            total += len(output.get("text", "").splitlines())
        elif "text/html" in data or "text/plain" in data:
            total += min(len(str(data.get("text/plain", "")).splitlines()), 10)
    return total


def screens_of(nb: nbformat.NotebookNode) -> list[tuple[int, int, str]]:
    """(cell index, estimated lines, first line) of each screen, grouped as reveal.js groups the cells.

    >>> md = nbformat.v4.new_markdown_cell
    >>> nb = nbformat.v4.new_notebook(cells=[md("# T"), md("a"), md("## B")])
    >>> nb.cells[2].metadata["slideshow"] = {"slide_type": "slide"}
    >>> [(i, title) for i, _, title in screens_of(nb)]
    [(0, '# T'), (2, '## B')]
    """
    screens: list[list] = []
    for i, cell in enumerate(nb.cells):
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        if not screens or kind in ("slide", "subslide"):
            screens.append([i, 0, (cell.source.splitlines() or [""])[0][:70]])
        screens[-1][1] += _lines(cell)
    return [tuple(s) for s in screens]


def crowded(nb: nbformat.NotebookNode) -> list[tuple[int, int, str]]:
    """Screens likely taller than a slide (they would scroll in the deck): split them with ``subslide``.

    >>> md = nbformat.v4.new_markdown_cell
    >>> crowded(nbformat.v4.new_notebook(cells=[md("# T"), md("line\\n" * 40)]))
    [(0, 43, '# T')]
    """
    return [s for s in screens_of(nb) if s[1] > LINES_PER_SCREEN]


def split_crowded(nb: nbformat.NotebookNode) -> list[int]:
    """Start a sub-slide wherever a screen would overflow (by the ``crowded`` estimate); return those cells.

    Only ``metadata.slideshow.slide_type`` changes, never a cell's words. A caption stays with its figure
    and an introducing markdown cell with the code after it. A screen whose first cell alone is too tall is
    left for a person to split (two markdown cells at a paragraph break).

    >>> md = nbformat.v4.new_markdown_cell
    >>> nb = nbformat.v4.new_notebook(cells=[md("## A"), md("x\\n" * 20), md("y\\n" * 20)])
    >>> split_crowded(nb), crowded(nb)
    ([2], [])
    """
    changed: list[int] = []
    while True:
        kinds = [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in nb.cells]
        found = None
        for start, _, _ in crowded(nb):
            used, members = 0, []
            for i in range(start, len(nb.cells)):
                if i > start and kinds[i] in ("slide", "subslide"):
                    break
                if kinds[i] in ("skip", "notes"):
                    continue
                members.append(i)
                used += _lines(nb.cells[i])
                if used > LINES_PER_SCREEN and len(members) > 1:
                    k = len(members) - 1
                    cell, before = nb.cells[members[k]], nb.cells[members[k - 1]]
                    if cell.cell_type == "markdown" and before.cell_type == "code" and _has_figure(before):
                        k -= 1  # a caption stays with its figure
                    elif cell.cell_type == "code" and before.cell_type == "markdown" and k > 1:
                        k -= 1  # so does the sentence that introduces the code
                    if k > 0:
                        found = members[k]
                    break
            if found is not None:
                break
        if found is None:
            return changed
        nb.cells[found].metadata.setdefault("slideshow", {})["slide_type"] = "subslide"
        changed.append(found)


def build_deck(
    path: Path, out_dir: Path, hrefs: dict[Path, str] | None = None, page: str | None = None
) -> tuple[Path, DeckCount]:
    """Write ``out_dir/NN_name.slides.html`` from one notebook; return its path and counts.

    Links to notebooks named in ``hrefs`` are pointed at those addresses (see ``link_pages``); ``page``,
    if given, is the address of the lesson's web page, linked from a corner of every slide.
    """
    from nbconvert import SlidesExporter  # heavy: only when building

    exporter = SlidesExporter(
        extra_template_basedirs=[str(assets.TEMPLATES)],
        extra_template_paths=[str(assets.TEMPLATES)],  # for fedlearn_common.html.j2
        template_name="fedlearn_slides",
        reveal_url_prefix="assets/reveal.js",
        reveal_theme="white",
        reveal_transition="none",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    nb = nbformat.read(path, as_version=4)
    still_widgets(nb)
    describe_figures(nb)
    page, _ = exporter.from_notebook_node(
        nb,
        resources={
            "metadata": {"name": title_of(nb, path.stem)},
            "fedlearn": {"assets": "assets", "page": page or ""},
        },
    )
    target = Path(out_dir) / f"{path.stem}.slides.html"
    target.write_text(link_pages(page, path, hrefs or {}), encoding="utf-8")
    return target, count_deck(page)


INDEX_TEXT = {
    "en": (
        "fedlearn-edu: lecture slides",
        "({screens} screens, {notes} speaker notes)",
        "Arrow keys move; <kbd>S</kbd> opens the speaker notes; <kbd>Esc</kbd> shows an overview. "
        "Everything here works offline.",
    ),
    "zh": (
        "fedlearn-edu：讲课幻灯片",
        "（{screens} 屏，{notes} 条讲者备注）",
        "方向键翻页；<kbd>S</kbd> 打开讲者备注；<kbd>Esc</kbd> 显示全部幻灯片概览。这里的一切都可离线使用。",
    ),
}


def write_index(out_dir: Path, decks: list[tuple[str, str, DeckCount]], lang: str = "en") -> Path:
    """A page listing the decks in lesson order (file name, title, counts)."""
    heading, counts, keys = INDEX_TEXT[lang]
    rows = "\n".join(
        f'<li><a href="{html.escape(name)}">{html.escape(title)}</a> '
        f"<small>{counts.format(screens=count.screens, notes=count.notes)}</small></li>"
        for name, title, count in decks
    )
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8"><title>{heading}</title>'
        "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.6}</style></head>\n"
        f"<body>\n<h1>{heading}</h1>\n<p>{keys}</p>\n"
        f"<ol>\n{rows}\n</ol>\n</body>\n</html>\n"
    )
    target = Path(out_dir) / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def build(
    paths: list[Path],
    out_dir: Path = DEFAULT_OUT,
    hrefs: dict[Path, str] | None = None,
    pages: dict[Path, str] | None = None,
    lang: str = "en",
) -> list[tuple[Path, DeckCount]]:
    """Build a deck per notebook plus ``index.html`` and the ``assets/`` folder into ``out_dir``.

    A link from one lesson to another goes to the other's deck; ``hrefs`` adds addresses for other
    notebooks (the site points exercise links at its exercise pages); ``pages`` gives each lesson's web
    page, linked from its deck.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    assets.copy_into(out_dir)
    links = {Path(p): f"{Path(p).stem}.slides.html" for p in paths} | dict(hrefs or {})
    built, listing = [], []
    for path in paths:
        target, count = build_deck(path, out_dir, links, (pages or {}).get(Path(path)))
        built.append((target, count))
        listing.append((target.name, title_of(nbformat.read(path, as_version=4), path.stem), count))
    write_index(out_dir, listing, lang)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kit.py slides", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson in notebooks/")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: build/slides")
    parser.add_argument(
        "--split",
        action="store_true",
        help="mark sub-slides where screens would overflow (edits the notebooks)",
    )
    parser.add_argument("--lang", choices=["en", "zh"], default=None, help="zh: the Chinese edition's decks")
    args = parser.parse_args(argv)
    lang = args.lang or ("zh" if os.environ.get("FEDLEARN_LANG", "").lower().startswith("zh") else "en")
    root, out = (ROOT, args.out) if lang == "en" else (ROOT / "zh", args.out / "zh")
    if lang == "zh" and args.split:
        parser.error("--split edits the English notebooks (the Chinese edition copies their slide marks)")
    paths = [p.resolve() for p in args.notebooks] or lesson_paths(root)
    if not paths:
        print("no lesson notebooks found", file=sys.stderr)
        return 1
    if args.split:
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            cells = split_crowded(nb)
            if cells:
                nbformat.write(nb, path)
                print(f"{path.name}: cells {cells} now start sub-slides")
    for path, (target, count) in zip(paths, build(paths, out, lang=lang)):
        print(
            f"{count.slides:3d} slides {count.screens:3d} screens {count.fragments:3d} fragments "
            f"{count.notes:3d} notes  {target.name}"
        )
        for index, lines, first in crowded(nbformat.read(path, as_version=4)):
            print(f"      crowded: cell {index} ({first!r}) fills ~{lines} lines; split it (subslide)")
    print(f"open {Path(out) / 'index.html'} in a browser (works offline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

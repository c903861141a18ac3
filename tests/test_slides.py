"""Lecture slides: every lesson builds to a reveal.js deck that works offline and has a sensible shape."""

import html
import re

import nbformat
import pytest

from authoring import assets, slides

LESSONS = slides.lesson_paths()
LOCAL_REF = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"')


def _kinds(nb) -> list[str]:
    return [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in nb.cells]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    decks = slides.build(LESSONS, out)
    return out, {target.name: count for target, count in decks}


def test_vendored_assets_are_the_listed_upstream_files():
    assert assets.verify() == [], "an asset differs from SHA256SUMS: re-vendor it (assets/README.md)"
    on_disk = {
        p.relative_to(assets.ASSETS).as_posix()
        for p in assets.ASSETS.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert on_disk - set(assets.listed()) == {"README.md", "SHA256SUMS", "__init__.py"}


def test_there_are_lessons_to_build():
    assert len(LESSONS) >= 3


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_idea_starts_a_slide(path):
    nb = nbformat.read(path, as_version=4)
    for i, (cell, kind) in enumerate(zip(nb.cells, _kinds(nb))):
        if cell.cell_type == "markdown" and cell.source.startswith(("# ", "## ")):
            assert kind == "slide", (
                f"{path.name} cell {i} ({cell.source.splitlines()[0]!r}) should be a slide"
            )


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_figure_has_a_caption_sentence(path):
    """The markdown cell after a figure says what to look at, in at least one full sentence."""
    nb = nbformat.read(path, as_version=4)
    for index, caption in slides.captions(nb).items():
        sentence = slides.caption_sentence(caption)
        assert caption, f"{path.name}: the figure of cell {index} has no markdown caption after it"
        assert sentence.endswith((".", "!", "?")) and len(sentence.split()) >= 5, (
            f"{path.name}: the caption after cell {index} does not start with a sentence: {sentence!r}"
        )


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_no_screen_is_crowded(path):
    """The builder's estimate: no screen needs more lines than a slide holds (the browser test measures)."""
    crowded = slides.crowded(nbformat.read(path, as_version=4))
    assert not crowded, f"{path.name}: screens that would scroll (cell, ~lines, first line): {crowded}"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_deck_builds_with_a_sensible_shape(built, path):
    out, counts = built
    deck = out / f"{path.stem}.slides.html"
    assert deck.is_file(), f"{deck.name} was not built"
    count, nb = counts[deck.name], nbformat.read(path, as_version=4)
    kinds = _kinds(nb)
    ideas = sum(c.cell_type == "markdown" and c.source.startswith("## ") for c in nb.cells)
    shown = sum(k not in ("skip", "notes") for k in kinds)
    assert count.slides == 1 + kinds[1:].count("slide")
    assert count.screens == len(slides.screens_of(nb)), "the deck groups cells differently from screens_of"
    assert max(4, ideas + 1) <= count.screens <= shown, f"{deck.name}: {count}"
    assert count.screens <= 60, f"{deck.name}: {count.screens} screens is more than a lecture can show"
    assert count.fragments == kinds.count("fragment") and count.notes == kinds.count("notes")


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_deck_needs_no_network(built, path):
    out, _ = built
    page = (out / f"{path.stem}.slides.html").read_text(encoding="utf-8")
    refs = LOCAL_REF.findall(page)
    assert any("reveal.js" in r for r in refs) and any("mathjax" in r for r in refs)
    for ref in refs:
        if ref.startswith("data:"):
            continue
        assert "://" not in ref and not ref.startswith("//"), f"{path.name}: loads {ref} from the network"
        assert (out / ref).is_file(), f"{path.name}: {ref} is missing from the built folder"
    for ref in re.findall(r"require\(\s*\[([^\]]*)\]", page)[0].split(","):
        assert (out / f"{ref.strip().strip(chr(34))}").is_file(), ref


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_deck_figures_have_alt_text_from_their_captions(built, path):
    out, _ = built
    page = (out / f"{path.stem}.slides.html").read_text(encoding="utf-8")
    images = [dict(re.findall(r'(\w+)="([^"]*)"', tag)) for tag in re.findall(r"<img\b[^>]*>", page)]
    alts = [image.get("alt") for image in images if image.get("src", "").startswith("data:image/")]
    nb = nbformat.read(path, as_version=4)
    expected = [
        slides.caption_sentence(caption)
        for index, caption in slides.captions(nb).items()
        for output in nb.cells[index].outputs
        if "image/png" in output.get("data", {})
    ]
    assert None not in alts, "an image in the deck has no alt attribute"
    assert [html.unescape(a) for a in alts] == expected


def test_index_lists_the_decks_in_lesson_order(built):
    out, _ = built
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert links == [f"{p.stem}.slides.html" for p in LESSONS]


def test_deck_runs_in_a_browser(built):
    """The deck starts offline in Chromium: reveal.js initialises, every screen is there, MathJax typesets."""
    from test_browser import CHROMIUM_ARGS, _chromium, _unavailable

    if _chromium() is None:
        _unavailable("no Chromium found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    out, counts = built
    deck = out / "02_averaging_formula.slides.html"
    remote, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.on(
                "request", lambda r: r.url.startswith(("file:", "data:", "blob:")) or remote.append(r.url)
            )
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(deck.as_uri())
            page.wait_for_function("() => window.Reveal && window.Reveal.isReady()", timeout=30_000)
            page.wait_for_function(
                "() => document.querySelector('mjx-container svg') !== null", timeout=30_000
            )
            total = page.evaluate("() => window.Reveal.getTotalSlides()")
        finally:
            browser.close()
    assert not remote, f"the deck asked the network for {remote}"
    assert not errors, errors
    assert total == counts[deck.name].screens


def test_split_crowded_changes_only_slide_types_and_keeps_captions_with_figures():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    figure = nbformat.v4.new_output("display_data", {"image/png": "", "text/plain": "<Figure>"})
    with_figure = [
        md("## A"),
        md("words\n" * 8),
        code("plot()", outputs=[figure]),
        md("*What to see:* it.\n" * 12),
    ]
    with_code = [md("## B"), md("words\n" * 14), md("Now the code:"), code("x = 1\n" * 20)]
    for cells, first_new in ((with_figure, 2), (with_code, 2)):
        nb = nbformat.v4.new_notebook(cells=cells)
        before = [c.source for c in nb.cells]
        assert slides.crowded(nb)
        assert slides.split_crowded(nb) == [first_new], "split at the figure / the sentence before the code"
        assert [c.source for c in nb.cells] == before and not slides.crowded(nb)
        assert _kinds(nb)[first_new] == "subslide"

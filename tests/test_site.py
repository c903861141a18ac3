"""The self-study site: every lesson and practice notebook becomes a page, and every link on it resolves."""

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest

from authoring import site
from conftest import ROOT

PAGES = site.pages_for()
LESSONS = [p for p in PAGES if p.parent.name == "notebooks"]


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.refs.append((tag, value))
            if name == "id" and value:
                self.ids.add(value)


def _parse(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    site.build(out)
    return out


def test_every_lesson_and_exercise_has_a_page(built):
    assert len(LESSONS) >= 3 and any(p.parent.name == "exercises" for p in PAGES)
    for path in PAGES:
        page = built / path.parent.name / f"{path.stem}.html"
        assert page.is_file(), f"no page for {path.relative_to(ROOT)}"
        assert (page.with_suffix(".ipynb")).read_bytes() == path.read_bytes(), (
            "the download is not the notebook"
        )
        text = page.read_text(encoding="utf-8")
        title = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0].lstrip("# ")
        assert f"<title>{title}</title>" in text.replace("&#39;", "'").replace("&amp;", "&")


def test_index_lists_the_lessons_in_order(built):
    refs = [ref for tag, ref in _parse(built / "index.html").refs if ref.startswith("notebooks/")]
    assert list(dict.fromkeys(r for r in refs if r.endswith(".html"))) == [
        f"notebooks/{p.stem}.html" for p in LESSONS
    ]


def _card(index: str, lesson: Path) -> str:
    match = re.search(
        rf'<article class="card"[^>]*>((?:(?!</article>).)*?notebooks/{lesson.stem}\.html.*?)</article>',
        index,
        re.S,
    )
    assert match, f"no card for {lesson.name} on the front page"
    return match.group(1)


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_front_page_card_shows_the_lessons_objectives_time_and_links(built, lesson):
    """A card per lesson, read from its header cell: title, time, every objective, and where to go."""
    card = _card((built / "index.html").read_text(encoding="utf-8"), lesson)
    head = site.lesson_header(nbformat.read(lesson, as_version=4))
    assert head["title"] and head["time"] and len(head["objectives"]) >= 2, head
    assert html.escape(head["title"]) in card and html.escape(head["time"]) in card
    for objective in head["objectives"]:
        assert f"<li>{site.inline_markdown(objective)}</li>" in card, f"objective missing: {objective!r}"
    assert f'href="slides/{lesson.stem}.slides.html"' in card
    if (ROOT / "exercises" / lesson.name).exists():
        assert f'href="exercises/{lesson.stem}.html"' in card


@pytest.mark.parametrize("path", PAGES, ids=[f"{p.parent.name}/{p.stem}" for p in PAGES])
def test_pages_link_previous_next_and_their_twins(built, path):
    """Previous / next within the section; lesson <-> exercises <-> slides; the deck links back."""
    page = (built / path.parent.name / f"{path.stem}.html").read_text(encoding="utf-8")
    same = [p for p in PAGES if p.parent == path.parent]
    i = same.index(path)
    rels = {
        dict(re.findall(r'(\w+)="([^"]*)"', tag)).get("rel"): dict(re.findall(r'(\w+)="([^"]*)"', tag)).get(
            "href"
        )
        for tag in re.findall(r"<a\b[^>]*>", page)
    }
    assert rels.get("prev") == (f"{same[i - 1].stem}.html" if i > 0 else None)
    assert rels.get("next") == (f"{same[i + 1].stem}.html" if i + 1 < len(same) else None)
    if path.parent.name == "notebooks":
        assert f'href="../slides/{path.stem}.slides.html"' in page
        deck = (built / "slides" / f"{path.stem}.slides.html").read_text(encoding="utf-8")
        assert f'href="../notebooks/{path.stem}.html"' in deck, "the deck does not link back to its lesson"
        if (ROOT / "exercises" / path.name).exists():
            assert f'href="../exercises/{path.stem}.html"' in page
    else:
        assert f'href="../notebooks/{path.stem}.html"' in page


@pytest.mark.parametrize("path", PAGES, ids=[f"{p.parent.name}/{p.stem}" for p in PAGES])
def test_page_figures_have_alt_text_from_their_captions(built, path):
    text = (built / path.parent.name / f"{path.stem}.html").read_text(encoding="utf-8")
    images = [dict(re.findall(r'(\w+)="([^"]*)"', tag)) for tag in re.findall(r"<img\b[^>]*>", text)]
    alts = [html.unescape(i.get("alt", "")) for i in images if i.get("src", "").startswith("data:image/png")]
    nb = nbformat.read(path, as_version=4)
    expected = [
        site.slides.caption_sentence(caption)
        for index, caption in site.slides.captions(nb).items()
        for output in nb.cells[index].outputs
        if "image/png" in output.get("data", {})
    ]
    assert alts == expected


def test_search_index_covers_every_page(built):
    """The offline search index: a script (loads from file://) with the sections of every page."""
    text = (built / "search-index.js").read_text(encoding="utf-8")
    assert text.startswith("window.FEDLEARN_SEARCH = ") and (built / "search.js").is_file()
    entries = json.loads(text.removeprefix("window.FEDLEARN_SEARCH = ").rstrip().rstrip(";"))
    for path in PAGES:
        rel = f"{path.parent.name}/{path.stem}.html#"
        assert any(e["u"].startswith(rel) for e in entries), f"nothing from {rel} in the search index"
    assert all(set(e) == {"u", "t", "p", "x"} and e["t"] for e in entries)
    assert any("krum" in (e["t"] + e["x"]).lower() for e in entries)
    assert len(text) < 1_000_000, "keep the index small: it loads with the front page"


def test_glossary_is_linked_only_when_its_data_file_exists(tmp_path, monkeypatch):
    """The glossary page is built from GLOSSARY by its own builder; the front page and the page bar link to
    it (and the search covers its terms) when that file exists."""
    lesson = LESSONS[0]
    for present in (False, True):
        monkeypatch.setattr(site, "has_glossary", lambda root=ROOT, present=present: present)
        index = site.write_index(tmp_path, [lesson], ROOT, with_slides=False).read_text(encoding="utf-8")
        nav = site._nav(lesson, PAGES, ROOT, with_slides=False)
        assert (f'href="{site.GLOSSARY_PAGE}"' in index) == present
        assert (f'href="../{site.GLOSSARY_PAGE}"' in nav) == present


@pytest.mark.parametrize("path", PAGES, ids=[f"{p.parent.name}/{p.stem}" for p in PAGES])
def test_pages_show_stored_outputs_and_no_raw_notebook_links(built, path):
    text = (built / path.parent.name / f"{path.stem}.html").read_text(encoding="utf-8")
    nb = nbformat.read(path, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    images = sum("image/png" in o.get("data", {}) for o in outputs)
    assert text.count("data:image/png;base64,") >= images, "a stored figure is missing from the page"
    if any(site.slides.WIDGET_VIEW in o.get("data", {}) for o in outputs):
        assert "fedlearn-widget-still" in text, "a widget output should say where it runs"
    stale = [
        m for m in re.findall(r'<a href="([^"]+\.ipynb)', text) if (built / path.parent.name / m).exists()
    ]
    assert not stale, f"links to notebooks that have pages: {stale}"


def test_every_link_and_asset_resolves_offline(built):
    pages = sorted(built.rglob("*.html"))
    ids = {page: _parse(page).ids for page in pages}
    broken = []
    for page in pages:
        for tag, ref in _parse(page).refs:
            url = urlparse(ref)
            if url.scheme in ("http", "https") and tag in ("script", "link", "img"):
                broken.append(f"{page.relative_to(built)}: loads {ref} from the network")
            if url.scheme or ref.startswith("//"):
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(built)}: {ref} does not exist")
            elif url.fragment and target.suffix == ".html":
                known = ids.get(target) or _parse(target).ids  # browsers try the fragment as is, then decoded
                if url.fragment not in known and unquote(url.fragment) not in known:
                    broken.append(f"{page.relative_to(built)}: no #{url.fragment} in {target.name}")
    assert not broken, "\n".join(broken)

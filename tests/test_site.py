"""The self-study site: every lesson and practice notebook becomes a page, and every link on it resolves."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest
from conftest import ROOT

from authoring import site

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
    assert refs == [f"notebooks/{p.stem}.html" for p in LESSONS]


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

"""Build the self-study website: every lesson and practice notebook as a web page, with an index.

    python kit.py site                 -> build/site/index.html (open it in any browser, no server needed)
    python kit.py site --out DIR       somewhere else
    python kit.py site --no-slides     without the lecture slides
    python kit.py site --lang zh       the same build; it points you at the Chinese front page (build/site/zh/)

The front page is the course: a card per lesson with its objectives and time (read from the lesson's
header cell), and a search box that works offline (a small index written next to the pages, searched by a
few lines of JavaScript: no server, no network). Every page has previous / next links and links between a
lesson, its exercises and its slides; each deck links back to its lesson page. If the glossary data file
(``GLOSSARY``) exists, the pages link to its page (``glossary.html``) and its terms are searchable.

Pages show the notebooks' stored outputs (nothing is executed): text, tables and figures as a student
sees them after running the lesson. A widget needs a running kernel, so a page shows what it reported and
says where it runs. Links between notebooks become links between pages, each page links to its
``.ipynb`` for download, and MathJax comes from the ``assets/`` folder copied alongside: the folder works
offline, from a USB stick or any static web host.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat

from authoring import assets, slides

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "build" / "site"
SECTIONS = ("notebooks", "exercises")  # rendered folders, same names as in the repository
TIME = re.compile(r"\*\*(?:Time:|时长：)\*\*\s*([^.。\n]*)")
PREREQUISITES = re.compile(r"\*\*(?:Prerequisites:|预备知识：)\*\*\s*(.*)")
OBJECTIVES = ("**You will be able to**", "**学完本课，你将能够**")
TITLE = re.compile(r"(?:Lesson (\d+)|第\s*(\d+)\s*课)\s*·\s*(.*)")
EDITIONS = {"en": Path("."), "zh": Path("zh")}  # a language's notebooks, and where its pages go in the site
# The site's own words in Chinese (the lessons come translated from zh/; see authoring/translate/).
UI_ZH = {
    "All lessons": "全部课程",
    "previous lesson": "上一课",
    "next lesson": "下一课",
    "previous exercises": "上一组练习",
    "next exercises": "下一组练习",
    "Exercises": "练习",
    "The lesson": "本课正文",
    "Slides": "幻灯片",
    "Glossary": "术语表",
    "Download the notebook": "下载笔记本",
    "Read the lesson": "阅读本课",
    "Notebook": "笔记本",
    "Lesson {number}": "第 {number} 课",
    "Before:": "预备：",
    "You will be able to": "学完本课，你将能够",
    "lesson {number}": "第 {number} 课",
    "{count} terms, grouped by the lesson that introduces them.": "共 {count} 个术语，按首次介绍它的课分组。",
    "term": "术语",
    "meaning": "含义",
    "introduced in": "首次出现",
    ": every term the course uses, and the lesson that introduces it.": "：课程用到的每个术语，以及首次介绍它的课。",
    "All lecture slides": "全部讲课幻灯片",
    ".": "。",
    "federated learning, lesson by lesson": "联邦学习，一课一课学",
    "Federated learning, lesson by lesson": "联邦学习，一课一课学",
    "Search the course": "搜索课程",
    "e.g. Krum, Dirichlet, secure aggregation": "例如：Krum、Dirichlet、安全聚合",
    "Read the lessons in order; each card says what you will be able to do afterwards and how long it takes.": "请按顺序学习；每张卡片写明学完后你能做什么、需要多长时间。",
    "English": "English",
}
SWITCH = {"en": ("zh", "中文"), "zh": ("en", "English")}  # each page links to its twin in the other language


def ui(text: str, lang: str = "en", **values: object) -> str:
    """One of the site's own words in ``lang`` (the English is the key).

    >>> ui("Lesson {number}", "zh", number="02")
    '第 02 课'
    """
    return (UI_ZH.get(text, text) if lang == "zh" else text).format(**values)


INTRO = {
    "en": (
        "A course in {n} short lessons, from the averaging formula to attacks and defences. Each lesson is a "
        "notebook shown here as it looks after running it; its practice notebook has exercises that check your "
        "answers. Everything works offline on an ordinary laptop: download a notebook from its page, or get the "
        "whole kit and start it with <code>python3 kit.py lab</code>."
    ),
    "zh": (
        "全课共 {n} 节短课，从平均公式讲到攻击与防御。每一课都是一个笔记本，这里展示的是它运行后的样子；"
        "配套的练习笔记本会自动检查你的答案。一切都能在普通笔记本电脑上离线运行：可以在页面上下载笔记本，"
        "也可以取得整个教学包，用 <code>python3 kit.py lab --lang zh</code> 打开中文版。"
    ),
}
GLOSSARY = Path("docs") / "glossary.json"  # one term per entry: id, term, definition, lesson
GLOSSARY_PAGE = "glossary.html"  # written from GLOSSARY by the glossary builder, when the file exists
SEARCH_JS = assets.TEMPLATES / "fedlearn_search.js"
SECTION_TEXT = 1500  # characters of a section's text kept in the search index


def pages_for(root: Path = ROOT) -> list[Path]:
    """The notebooks the site renders: the lessons, then their practice notebooks."""
    return [p for section in SECTIONS for p in sorted((root / section).glob("[0-9][0-9]_*.ipynb"))]


def has_glossary(root: Path = ROOT) -> bool:
    """Whether the course has a glossary data file (then every page links to ``GLOSSARY_PAGE``)."""
    return (root / GLOSSARY).is_file()


def inline_markdown(text: str) -> str:
    """The little markdown a lesson header uses (``code``, **bold**, *italic*), as escaped HTML; maths is
    left as ``$...$`` for MathJax.

    >>> inline_markdown("run **FedAvg** with `run_fedavg` & *see*")
    'run <strong>FedAvg</strong> with <code>run_fedavg</code> &amp; <em>see</em>'
    """
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", out)


def lesson_header(nb: nbformat.NotebookNode, fallback: str = "") -> dict:
    r"""What a lesson's first cell says about it: title, summary, objectives, prerequisites and time.

    >>> cell = ("# Lesson 09 · Hi\n\nWhy it matters.\nMore.\n\n**You will be able to**\n- do a;\n- do\n  b.\n\n"
    ...         "**Prerequisites:** lesson 08.\n**Time:** about 20 minutes.")
    >>> head = lesson_header(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(cell)]))
    >>> head["number"], head["title"], head["summary"], head["objectives"], head["time"]
    ('09', 'Hi', 'Why it matters. More.', ['do a;', 'do b.'], 'about 20 minutes')
    """
    title = slides.title_of(nb, fallback)
    number = TITLE.match(title)
    source = nb.cells[0].source if nb.cells else ""
    paragraphs = [p.strip() for p in source.split("\n\n")]
    summary = next((p for p in paragraphs[1:] if p and not p.startswith(("**", "#", "-"))), "")
    objectives: list[str] = []
    label = next((label for label in OBJECTIVES if label in source), None)
    if label is not None:
        block = source.split(label, 1)[1].split("\n\n", 1)[0]
        for line in block.strip().splitlines():
            if line.lstrip().startswith("- "):
                objectives.append(line.strip()[2:])
            elif objectives and line.strip():
                objectives[-1] += " " + line.strip()
    time, prerequisites = TIME.search(source), PREREQUISITES.search(source)
    return {
        "number": (number.group(1) or number.group(2)) if number else "",
        "title": number.group(3) if number else title,
        "summary": " ".join(summary.split()),
        "objectives": objectives,
        "prerequisites": prerequisites.group(1).strip() if prerequisites else "",
        "time": time.group(1).strip() if time else "",
    }


def _nav(path: Path, pages: list[Path], root: Path, with_slides: bool, lang: str = "en") -> str:
    """The bar above and below a page: home, previous / next in its section, its twin pages, download,
    and the same page in the other language (when the course has it)."""
    links = [f'<a href="../index.html">{ui("All lessons", lang)}</a>']
    section = path.parent.name
    same = [p for p in pages if p.parent.name == section]
    i = same.index(path)
    kind = "lesson" if section == "notebooks" else "exercises"
    for j, rel, arrow in ((i - 1, "prev", "←"), (i + 1, "next", "→")):
        if 0 <= j < len(same):
            name = html.escape(slides.title_of(nbformat.read(same[j], as_version=4), same[j].stem))
            label = f"{arrow} {name}" if rel == "prev" else f"{name} {arrow}"
            hint = ui(f"{'previous' if rel == 'prev' else 'next'} {kind}", lang)
            links.append(f'<a rel="{rel}" title="{hint}" href="{same[j].stem}.html">{label}</a>')
    if section == "notebooks":
        if (root / "exercises" / path.name).exists():
            links.append(f'<a href="../exercises/{path.stem}.html">{ui("Exercises", lang)}</a>')
    else:
        links.append(f'<a href="../notebooks/{path.stem}.html">{ui("The lesson", lang)}</a>')
    if with_slides and (root / "notebooks" / path.name).exists():
        links.append(f'<a href="../slides/{path.stem}.slides.html">{ui("Slides", lang)}</a>')
    if has_glossary(root):
        links.append(f'<a href="../{GLOSSARY_PAGE}">{ui("Glossary", lang)}</a>')
    links.append(f'<a download href="{path.name}">{ui("Download the notebook", lang)}</a>')
    other, name = SWITCH[lang]
    twin = _twin_root(root, lang, other) / section / path.name
    if twin.exists():
        href = ("../zh/" if lang == "en" else "../../") + f"{section}/{path.stem}.html"
        links.append(f'<a class="language" hreflang="{other}" lang="{other}" href="{href}">{name}</a>')
    return " ".join(links)


def _twin_root(root: Path, lang: str, other: str) -> Path:
    """The folder holding the other language's notebooks (root is this language's)."""
    base = root if lang == "en" else root.parent
    return base / EDITIONS[other]


def render(
    path: Path,
    out_dir: Path,
    pages: list[Path],
    rendered: set[Path],
    root: Path = ROOT,
    with_slides: bool = True,
    lang: str = "en",
) -> Path:
    """Write one page ``out_dir/<section>/<name>.html`` and a copy of the notebook beside it."""
    from nbconvert import HTMLExporter  # heavy: only when building

    exporter = HTMLExporter(
        extra_template_basedirs=[str(assets.TEMPLATES)],
        extra_template_paths=[str(assets.TEMPLATES)],
        template_name="fedlearn_page",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    nb = nbformat.read(path, as_version=4)
    slides.still_widgets(nb)
    slides.describe_figures(nb)
    resources = {
        "metadata": {"name": slides.title_of(nb, path.stem)},
        "fedlearn": {"assets": "../assets", "nav": _nav(path, pages, root, with_slides, lang), "lang": lang},
    }
    page, _ = exporter.from_notebook_node(nb, resources=resources)
    target = out_dir / path.parent.name / f"{path.stem}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    section = path.parent.name
    hrefs = {
        p: (p.stem if p.parent.name == section else f"../{p.parent.name}/{p.stem}") + ".html"
        for p in rendered
    }
    target.write_text(slides.link_pages(page, path, hrefs), encoding="utf-8")
    shutil.copyfile(path, target.with_suffix(".ipynb"))
    return target


def _card(lesson: Path, root: Path, with_slides: bool, lang: str = "en") -> str:
    head = lesson_header(nbformat.read(lesson, as_version=4), lesson.stem)
    links = [f'<a class="primary" href="notebooks/{lesson.stem}.html">{ui("Read the lesson", lang)}</a>']
    if (root / "exercises" / lesson.name).exists():
        links.append(f'<a href="exercises/{lesson.stem}.html">{ui("Exercises", lang)}</a>')
    if with_slides:
        links.append(f'<a href="slides/{lesson.stem}.slides.html">{ui("Slides", lang)}</a>')
    links.append(f'<a download href="notebooks/{lesson.stem}.ipynb">{ui("Notebook", lang)}</a>')
    goals = "".join(f"<li>{inline_markdown(o)}</li>" for o in head["objectives"])
    lesson_no = ui("Lesson {number}", lang, number=head["number"])
    number = f'<span class="number">{lesson_no}</span>' if head["number"] else ""
    time = f'<span class="time">{html.escape(head["time"])}</span>' if head["time"] else ""
    prereq = (
        f'<p class="prereq"><b>{ui("Before:", lang)}</b> {inline_markdown(head["prerequisites"])}</p>'
        if head["prerequisites"]
        else ""
    )
    return f"""<article class="card" id="lesson-{head["number"] or lesson.stem}">
<header>{number}{time}</header>
<h2><a href="notebooks/{lesson.stem}.html">{html.escape(head["title"])}</a></h2>
<p class="summary">{inline_markdown(head["summary"])}</p>
<h3>{ui("You will be able to", lang)}</h3>
<ul>{goals}</ul>
{prereq}
<nav>{" · ".join(links)}</nav>
</article>"""


INDEX_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0;
       color: #1a1a1a; background: #f6f7f9; line-height: 1.55; }
main, .masthead > div { max-width: 68em; margin: 0 auto; padding: 0 1.2em; }
.masthead { background: #0b3d5c; color: white; padding: 2em 0 1.6em; }
.masthead h1 { margin: 0 0 0.3em; font-size: 2em; }
.masthead p { margin: 0.3em 0; max-width: 48em; }
.masthead a { color: #cde8ff; }
a { color: #0072B2; }
.search { margin: 1.4em 0 0.4em; }
.search input { width: 100%; max-width: 36em; font-size: 1.05em; padding: 0.5em 0.7em; border: 1px solid #999;
                border-radius: 6px; }
#search-results { list-style: none; padding: 0; margin: 0.6em 0 0; max-width: 52em; }
#search-results li { background: white; border: 1px solid #ddd; border-radius: 6px; margin: 0.4em 0;
                     padding: 0.5em 0.8em; }
#search-results small { color: #555; display: block; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(20em, 1fr)); gap: 1.1em; margin: 1.6em 0; }
.card { background: white; border: 1px solid #d8dde3; border-radius: 10px; padding: 1em 1.2em;
        display: flex; flex-direction: column; }
.card header { display: flex; justify-content: space-between; font-size: 0.9em; color: #555; }
.card .number { font-weight: 600; color: #0b3d5c; }
.card h2 { font-size: 1.25em; margin: 0.3em 0 0.4em; }
.card h2 a { color: #1a1a1a; text-decoration: none; }
.card h3 { font-size: 0.95em; margin: 0.6em 0 0.2em; color: #333; }
.card ul { padding-left: 1.2em; margin: 0.2em 0 0.6em; font-size: 0.95em; }
.card .summary, .card .prereq { font-size: 0.95em; margin: 0.2em 0; }
.card nav { margin-top: auto; padding-top: 0.6em; border-top: 1px solid #eee; }
.card nav a.primary { font-weight: 600; }
footer { max-width: 68em; margin: 1em auto 3em; padding: 0 1.2em; color: #555; font-size: 0.95em; }
"""


def write_glossary(out_dir: Path, root: Path = ROOT, lang: str = "en") -> Path | None:
    """The glossary page: every term, its definition and the lesson that introduces it (linked).

    Its one source is ``docs/glossary.json``; without that file there is no page (and no link to it)."""
    if not has_glossary(root):
        return None
    data = json.loads((root / GLOSSARY).read_text(encoding="utf-8"))
    lessons = {p.stem[:2]: p.stem for p in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
    rows = []
    for entry in sorted(data["terms"], key=lambda e: (e["lesson"], e["term"].lower())):
        number = entry["lesson"]
        lesson = ui("lesson {number}", lang, number=number)
        where = f'<a href="notebooks/{lessons[number]}.html">{lesson}</a>' if number in lessons else lesson
        rows.append(
            f'<tr id="{html.escape(entry["id"])}"><td><b>{html.escape(entry["term"])}</b></td>'
            f"<td>{html.escape(entry['definition'])}</td><td>{where}</td></tr>"
        )
    other, name = SWITCH[lang]
    switch = (
        f' · <a hreflang="{other}" lang="{other}" href="{"zh/" if lang == "en" else "../"}{GLOSSARY_PAGE}">{name}</a>'
        if (_twin_root(root, lang, other) / "notebooks").is_dir()
        else ""
    )
    page = f"""<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>fedlearn-edu: {html.escape(data["title"])}</title>
<style>
body {{ font-family: sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; line-height: 1.6; }}
table {{ border-collapse: collapse; width: 100%; }} th {{ text-align: left; }}
td, th {{ padding: 0.35em 0.6em; border-bottom: 1px solid #ddd; vertical-align: top; }}
a {{ color: #0072B2; }}
</style></head>
<body>
<p><a href="index.html">{ui("All lessons", lang)}</a>{switch}</p>
<h1>{html.escape(data["title"])}</h1>
<p>{ui("{count} terms, grouped by the lesson that introduces them.", lang, count=len(rows))}</p>
<table>
<tr><th>{ui("term", lang)}</th><th>{ui("meaning", lang)}</th><th>{ui("introduced in", lang)}</th></tr>
{chr(10).join(rows)}
</table>
</body>
</html>
"""
    target = out_dir / GLOSSARY_PAGE
    target.write_text(page, encoding="utf-8")
    return target


def write_index(out_dir: Path, lessons: list[Path], root: Path, with_slides: bool, lang: str = "en") -> Path:
    """The front page: a card per lesson (objectives, time, links), a search box, the glossary, and a link
    to the other language's front page when the course has it."""
    cards = "\n".join(_card(lesson, root, with_slides, lang) for lesson in lessons)
    glossary = (
        f'<a href="{GLOSSARY_PAGE}">{ui("Glossary", lang)}</a>'
        f"{ui(': every term the course uses, and the lesson that introduces it.', lang)} "
        if has_glossary(root)
        else ""
    )
    slides_link = (
        f'<a href="slides/index.html">{ui("All lecture slides", lang)}</a>{ui(".", lang)} '
        if with_slides
        else ""
    )
    other, name = SWITCH[lang]
    twin = _twin_root(root, lang, other) / "notebooks"
    switch = (
        f'<a class="language" hreflang="{other}" lang="{other}" href="{"zh/" if lang == "en" else "../"}index.html">{name}</a>'
        if twin.is_dir()
        else ""
    )
    page = f"""<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>fedlearn-edu: {ui("federated learning, lesson by lesson", lang)}</title>
<style>{INDEX_STYLE}</style>
{_mathjax("assets")}
</head>
<body>
<div class="masthead"><div>
<h1>{ui("Federated learning, lesson by lesson", lang)}</h1>
<p>{INTRO[lang].format(n=len(lessons))}</p>
<p>{glossary}{slides_link}{switch}</p>
<form class="search" role="search" onsubmit="return false">
<label for="search-box">{ui("Search the course", lang)}</label><br>
<input id="search-box" type="search" placeholder="{ui("e.g. Krum, Dirichlet, secure aggregation", lang)}" autocomplete="off">
</form>
</div></div>
<main>
<ul id="search-results" aria-live="polite"></ul>
<section class="cards">
{cards}
</section>
</main>
<footer>{ui("Read the lessons in order; each card says what you will be able to do afterwards and how long it takes.", lang)}</footer>
<script src="search-index.js"></script>
<script src="search.js"></script>
</body>
</html>
"""
    target = out_dir / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def _mathjax(prefix: str) -> str:
    return (
        "<script>window.MathJax = {tex: {inlineMath: [['$', '$']], displayMath: [['$$', '$$']]}};</script>\n"
        f'<script defer src="{prefix}/mathjax/tex-svg.js"></script>'
    )


def sections_of(page: str) -> list[tuple[str, str, str]]:
    """(anchor, heading, text) of each h1-h3 section of a rendered page, code and outputs left out.

    >>> sections_of('<h1 id="a">Hi<a class="anchor-link" href="#a">¶</a></h1><p>x &amp; y</p>'
    ...             '<pre>code</pre><h2 id="b">B</h2><p>z</p>')
    [('a', 'Hi', 'x & y'), ('b', 'B', 'z')]
    """
    body = re.sub(r"<(script|style|pre)\b.*?</\1>", " ", page, flags=re.S | re.I)
    heads = list(re.finditer(r'<h([1-3])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', body, flags=re.S | re.I))
    found = []
    for k, head in enumerate(heads):
        stop = heads[k + 1].start() if k + 1 < len(heads) else len(body)
        title = re.sub(r'<a class="anchor-link".*?</a>', "", head.group(3), flags=re.S)
        text = re.sub(r"<[^>]+>", " ", body[head.end() : stop])
        found.append(
            (
                head.group(2),
                " ".join(html.unescape(re.sub(r"<[^>]+>", "", title)).split()),
                " ".join(html.unescape(text).split())[:SECTION_TEXT],
            )
        )
    return found


def write_search_index(out_dir: Path, written: list[Path], root: Path, lang: str = "en") -> Path:
    """``search-index.js``: every section of every page (and the glossary's terms), for ``search.js``.

    A script, not a JSON file, so that it loads from ``file://`` too (browsers refuse ``fetch`` there).
    """
    entries = []
    for page in written:
        rel = page.relative_to(out_dir).as_posix()
        sections = sections_of(page.read_text(encoding="utf-8"))
        where = sections[0][1] if sections else page.stem  # the page's title
        for anchor, heading, text in sections:
            entries.append({"u": f"{rel}#{anchor}", "t": heading, "p": where, "x": text})
    if has_glossary(root):
        data = json.loads((root / GLOSSARY).read_text(encoding="utf-8"))
        for term in data.get("terms", []):
            entries.append(
                {
                    "u": f"{GLOSSARY_PAGE}#{term.get('id', '')}",
                    "t": term.get("term", ""),
                    "p": ui("Glossary", lang),
                    "x": term.get("definition", ""),
                }
            )
    target = out_dir / "search-index.js"
    text = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    target.write_text(f"window.FEDLEARN_SEARCH = {text};\n", encoding="utf-8")
    shutil.copyfile(SEARCH_JS, out_dir / "search.js")
    return target


def build(out_dir: Path = DEFAULT_OUT, root: Path = ROOT, with_slides: bool = True) -> list[Path]:
    """The site in every language the course has: English in ``out_dir``, Chinese in ``out_dir/zh``
    (when ``zh/`` holds the Chinese edition), each page linking to its twin."""
    written = build_edition(out_dir, root, with_slides, "en")
    if (root / EDITIONS["zh"] / "notebooks").is_dir():
        written += build_edition(Path(out_dir) / EDITIONS["zh"], root / EDITIONS["zh"], with_slides, "zh")
    return written


def build_edition(out_dir: Path, root: Path, with_slides: bool = True, lang: str = "en") -> list[Path]:
    """Render every page, the index, the search index and (optionally) the slides into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    assets.copy_into(out_dir)
    paths = pages_for(root)
    lessons = [p for p in paths if p.parent.name == "notebooks"]
    written = [render(p, out_dir, paths, set(paths), root, with_slides, lang) for p in paths]
    if with_slides:
        exercises = {p: f"../exercises/{p.stem}.html" for p in paths if p.parent.name == "exercises"}
        back = {p: f"../notebooks/{p.stem}.html" for p in lessons}
        slides.build(lessons, out_dir / "slides", hrefs=exercises, pages=back, lang=lang)
    write_glossary(out_dir, root, lang)
    write_search_index(out_dir, written, root, lang)
    write_index(out_dir, lessons, root, with_slides, lang)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kit.py site", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: build/site")
    parser.add_argument("--no-slides", action="store_true", help="leave the lecture slides out")
    parser.add_argument("--lang", choices=["en", "zh"], default=None, help="which front page to point at")
    args = parser.parse_args(argv)
    written = build(args.out, with_slides=not args.no_slides)
    lang = args.lang or ("zh" if os.environ.get("FEDLEARN_LANG", "").lower().startswith("zh") else "en")
    front = Path(args.out) / EDITIONS[lang] / "index.html"
    print(
        f"{len(written)} pages written (every language the course has); open {front} in a browser (offline)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the self-study website: every lesson and practice notebook as a web page, with an index.

    python kit.py site                 -> build/site/index.html (open it in any browser, no server needed)
    python kit.py site --out DIR       somewhere else
    python kit.py site --no-slides     without the lecture slides

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
import re
import shutil
import sys
from pathlib import Path

import nbformat

from authoring import assets, slides

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "build" / "site"
SECTIONS = ("notebooks", "exercises")  # rendered folders, same names as in the repository
TIME = re.compile(r"\*\*Time:\*\*\s*([^.\n]*)")
GLOSSARY = Path("docs") / "glossary.json"  # one term per entry: id, term, definition, lesson


def pages_for(root: Path = ROOT) -> list[Path]:
    """The notebooks the site renders: the lessons, then their practice notebooks."""
    return [p for section in SECTIONS for p in sorted((root / section).glob("[0-9][0-9]_*.ipynb"))]


def _nav(path: Path, lessons: list[Path], root: Path) -> str:
    links = ['<a href="../index.html">All lessons</a>']
    section = path.parent.name
    if section == "notebooks":
        i = lessons.index(path)
        if i > 0:
            links.append(f'<a href="{lessons[i - 1].stem}.html">← {html.escape(lessons[i - 1].stem)}</a>')
        if i + 1 < len(lessons):
            links.append(f'<a href="{lessons[i + 1].stem}.html">{html.escape(lessons[i + 1].stem)} →</a>')
        if (root / "exercises" / path.name).exists():
            links.append(f'<a href="../exercises/{path.stem}.html">Exercises</a>')
    else:
        links.append(f'<a href="../notebooks/{path.stem}.html">The lesson</a>')
    links.append(f'<a download href="{path.name}">Download the notebook</a>')
    return " ".join(links)


def render(path: Path, out_dir: Path, lessons: list[Path], rendered: set[Path], root: Path = ROOT) -> Path:
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
    resources = {
        "metadata": {"name": slides.title_of(nb, path.stem)},
        "fedlearn": {"assets": "../assets", "nav": _nav(path, lessons, root)},
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


def _row(lesson: Path, root: Path, with_slides: bool) -> str:
    nb = nbformat.read(lesson, as_version=4)
    title = html.escape(slides.title_of(nb, lesson.stem))
    found = TIME.search(nb.cells[0].source) if nb.cells else None
    cells = [f'<a href="notebooks/{lesson.stem}.html">{title}</a>']
    cells.append(html.escape(found.group(1).strip()) if found else "")
    exercise = root / "exercises" / lesson.name
    cells.append(f'<a href="exercises/{lesson.stem}.html">exercises</a>' if exercise.exists() else "")
    cells.append(f'<a href="slides/{lesson.stem}.slides.html">slides</a>' if with_slides else "")
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def write_glossary(out_dir: Path, root: Path = ROOT) -> Path | None:
    """The glossary page: every term, its definition and the lesson that introduces it (linked).

    Its one source is ``docs/glossary.json``; without that file there is no page (and no link to it)."""
    if not (root / GLOSSARY).exists():
        return None
    data = json.loads((root / GLOSSARY).read_text(encoding="utf-8"))
    lessons = {p.stem[:2]: p.stem for p in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
    rows = []
    for entry in sorted(data["terms"], key=lambda e: (e["lesson"], e["term"].lower())):
        number = entry["lesson"]
        where = (
            f'<a href="notebooks/{lessons[number]}.html">lesson {number}</a>'
            if number in lessons
            else f"lesson {number}"
        )
        rows.append(
            f'<tr id="{html.escape(entry["id"])}"><td><b>{html.escape(entry["term"])}</b></td>'
            f"<td>{html.escape(entry['definition'])}</td><td>{where}</td></tr>"
        )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>fedlearn-edu: {html.escape(data["title"])}</title>
<style>
body {{ font-family: sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; line-height: 1.6; }}
table {{ border-collapse: collapse; width: 100%; }} th {{ text-align: left; }}
td, th {{ padding: 0.35em 0.6em; border-bottom: 1px solid #ddd; vertical-align: top; }}
a {{ color: #0072B2; }}
</style></head>
<body>
<p><a href="index.html">All lessons</a></p>
<h1>{html.escape(data["title"])}</h1>
<p>{len(rows)} terms, grouped by the lesson that introduces them.</p>
<table>
<tr><th>term</th><th>meaning</th><th>introduced in</th></tr>
{chr(10).join(rows)}
</table>
</body>
</html>
"""
    target = out_dir / "glossary.html"
    target.write_text(page, encoding="utf-8")
    return target


def write_index(out_dir: Path, lessons: list[Path], root: Path, with_slides: bool) -> Path:
    """The front page: the lessons in order, each with its time, exercises and slides."""
    rows = "\n".join(_row(lesson, root, with_slides) for lesson in lessons)
    glossary = (
        '<p><a href="glossary.html">Glossary</a>: every term the course uses, and the lesson that introduces it.</p>'
        if (root / GLOSSARY).exists()
        else ""
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>fedlearn-edu: federated learning, lesson by lesson</title>
<style>
body {{ font-family: sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; line-height: 1.6; }}
table {{ border-collapse: collapse; width: 100%; }} th {{ text-align: left; }}
td, th {{ padding: 0.35em 0.6em; border-bottom: 1px solid #ddd; }}
a {{ color: #0072B2; }}
</style></head>
<body>
<h1>fedlearn-edu: federated learning, lesson by lesson</h1>
<p>Read the lessons in order. Each page shows a lesson as it looks after running it; its practice notebook
has exercises that check your answers when you run them. To run anything yourself, download the notebook
from its page, or get the whole kit and start it with <code>python3 kit.py lab</code>.</p>
<table>
<tr><th>lesson</th><th>time</th><th></th><th></th></tr>
{rows}
</table>
{glossary}
</body>
</html>
"""
    target = out_dir / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def build(out_dir: Path = DEFAULT_OUT, root: Path = ROOT, with_slides: bool = True) -> list[Path]:
    """Render every page, the index and (optionally) the slides into ``out_dir``; return the pages."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    assets.copy_into(out_dir)
    paths = pages_for(root)
    lessons = [p for p in paths if p.parent.name == "notebooks"]
    written = [render(p, out_dir, lessons, set(paths), root) for p in paths]
    if with_slides:
        exercises = {p: f"../exercises/{p.stem}.html" for p in paths if p.parent.name == "exercises"}
        slides.build(lessons, out_dir / "slides", hrefs=exercises)
    write_glossary(out_dir, root)
    write_index(out_dir, lessons, root, with_slides)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kit.py site", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: build/site")
    parser.add_argument("--no-slides", action="store_true", help="leave the lecture slides out")
    args = parser.parse_args(argv)
    written = build(args.out, with_slides=not args.no_slides)
    print(f"{len(written)} pages written; open {Path(args.out) / 'index.html'} in a browser (works offline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

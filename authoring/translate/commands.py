"""The commands that write: update the catalogues, build zh/, list what is left, fill in translations."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from authoring.translate.build import _text, build, keep_outputs, stale_notebooks
from authoring.translate.catalogues import _read, render, updated
from authoring.translate.gate import coverage
from authoring.translate.rules import check_code_translation, check_markdown_translation


def cmd_update(root: Path) -> int:
    for rel, text in updated(root).items():
        path = root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"updated {rel.as_posix()}")
    total, problems = coverage(root)
    print(f"{total - len(problems)} of {total} entries translated; {len(problems)} to do")
    return 0


def cmd_build(root: Path, execute: bool = True) -> int:
    notebooks, files = build(root)
    stale, to_run = stale_notebooks(root, notebooks), []
    for rel in stale:
        path = root / rel
        if not (path.exists() and keep_outputs(nbformat.read(path, 4), notebooks[rel])):
            to_run.append(rel)  # code changed (or new): its outputs come from running it
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_text(notebooks[rel]), encoding="utf-8", newline="\n")
        print(f"wrote {rel.as_posix()}" + ("" if rel in to_run else " (prose only: outputs kept)"))
    for rel, text in files.items():
        if not (root / rel).exists() or (root / rel).read_text(encoding="utf-8") != text:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {rel.as_posix()}")
    if execute and to_run:
        from authoring.execute import main as execute_main

        return execute_main([str(root / rel) for rel in to_run])
    return 0


def cmd_todo(path: Path) -> int:
    todo = [
        {"msgctxt": e.msgctxt, "msgid": e.msgid, "comment": e.comment, "fuzzy_old_msgstr": e.msgstr or None}
        for e in _read(path)
        if not e.obsolete and (not e.msgstr or "fuzzy" in e.flags)
    ]
    print(json.dumps(todo, ensure_ascii=False, indent=1))
    return 0


def cmd_fill(path: Path, translations: dict[str, str]) -> int:
    po = _read(path)
    by_ctx = {e.msgctxt: e for e in po if e.msgctxt}
    by_id = {e.msgid: e for e in po if not e.msgctxt}
    unknown = [k for k in translations if k not in by_ctx and k not in by_id]
    if unknown:
        print(f"error: {len(unknown)} keys are neither a msgctxt nor a msgid of {path}: {unknown[:3]}")
        return 1
    for key, msgstr in translations.items():
        entry = by_ctx.get(key) or by_id[key]
        if entry.msgctxt and entry.comment.startswith("code"):
            check_code_translation(entry.msgid, msgstr, f"{path.name} {key!r}")
        elif entry.msgctxt:
            check_markdown_translation(entry.msgid, msgstr, f"{path.name} {key!r}")
        entry.msgstr = msgstr
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
    path.write_text(render(po), encoding="utf-8", newline="\n")
    print(f"{len(translations)} entries filled in {path}")
    return 0

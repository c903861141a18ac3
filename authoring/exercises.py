"""Generate ``exercises/`` from ``solutions/`` -- the solutions are the single source.

    python kit.py exercises            write exercises/*.ipynb and the solutions file used by q.solution()
    python kit.py exercises --check    only compare; exit 1 if anything would change; writes nothing
    python kit.py exercises --force    also overwrite exercise notebooks that someone edited

In a solutions notebook, mark what the student must write (nbgrader's convention):

- code: lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION``. Inside a function they become
  ``raise NotImplementedError("TODO: ...")``; at the top level of a cell they become ``name = ...``
  for each name the solution assigns, so an unsolved notebook still runs top to bottom.
- written answers: the same markers in a markdown cell; the exercise gets a space to write and the
  model answer folded away in a ``<details>`` block.

Each code solution belongs to the first ``qN.check(`` that follows it; the code is stored in
``fedlearn_edu/questions/solutions.json`` so that ``qN.solution()`` can show it.

A marker must be exactly one of the two lines above, alone on its line (indentation aside). A line that
looks like a marker but is not one (``#### BEGIN SOLUTION``, ``### Begin Solution``, ``## END SOLUTION``,
``### BEGIN SOLUTIONS``, a marker followed by more text) is an error naming the notebook, the cell and the
line -- never copied as text, which would put the solution in the student's notebook.

An exercise notebook whose cells were edited since it was generated (a student's work!) is never
overwritten without ``--force``; even then a copy is kept in ``exercises/.backups/``, under a name no
other backup has (two backups in the same second get different names).
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import itertools
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# Anything a person may have meant as a marker: any number of #, any case, SOLUTION(S), BEGIN_SOLUTION, ...
# at the start of a line or of a comment (not quoted in `backticks` or a string, where it is only mentioned).
LOOKS_LIKE_A_MARKER = re.compile(r"(?:^|\s)#+\s*(?:BEGIN|END)[\s_-]*SOLUTIONS?\b", re.IGNORECASE)
CHECK_CALL = re.compile(r"\b(q\d+)\.check\(")
# What the generator writes into a practice notebook, in each language of the course (the Chinese edition's
# practice notebooks are generated from its translated solutions: authoring/translate/).
STUB_TEXTS = {
    "en": {
        "todo": 'raise NotImplementedError("TODO: write your code here, then run the check below")',
        "your_code": "# YOUR CODE HERE",
        "your_answer": "# TODO: your answer here",
        "written": "*Your answer: double-click this cell and write it here.*",
        "details": "<details><summary>Compare with a model answer (after writing yours)</summary>\n\n{answer}\n\n</details>",
    },
    "zh": {
        "todo": 'raise NotImplementedError("TODO：在这里写你的代码，然后运行下面的检查")',
        "your_code": "# 在这里写你的代码",
        "your_answer": "# TODO：在这里填你的答案",
        "written": "*你的答案：双击这个单元格，在这里作答。*",
        "details": "<details><summary>对照参考答案（先写出你自己的答案）</summary>\n\n{answer}\n\n</details>",
    },
}
TODO = STUB_TEXTS["en"]["todo"]
WRITTEN_PLACEHOLDER = STUB_TEXTS["en"]["written"]
ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS_JSON = Path("fedlearn_edu") / "questions" / "solutions.json"


class SourceError(ValueError):
    """A solutions notebook breaks the conventions above; the message says where."""


@dataclass
class Generated:
    files: dict[Path, str] = field(default_factory=dict)  # relative path -> exact file text


def content_hash(nb: nbformat.NotebookNode) -> str:
    """What a person can edit: the cells' types and sources (outputs are not someone's writing)."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        digest.update(cell.cell_type.encode() + b"\0" + cell.source.encode() + b"\0")
    return digest.hexdigest()


def check_markers(source: str, where: str) -> None:
    """Refuse a line that looks like a solution marker but is not exactly one.

    >>> check_markers("x = 1\\n    ### BEGIN SOLUTION", "nb, cell 1")
    >>> try:
    ...     check_markers("x = 1\\n### Begin Solution\\nx = 2", "nb, cell 1")
    ... except SourceError as exc:
    ...     print(str(exc).split(";")[0])
    nb, cell 1, line 2: '### Begin Solution' looks like a solution marker but is not one
    """
    for number, line in enumerate(source.split("\n"), start=1):
        if LOOKS_LIKE_A_MARKER.search(line) and line.strip() not in (BEGIN, END):
            raise SourceError(
                f"{where}, line {number}: {line.strip()!r} looks like a solution marker but is not one; "
                f"write exactly {BEGIN!r} or {END!r} alone on the line (this generator would otherwise "
                "copy the line and the solution after it into the student's notebook)"
            )


def _regions(lines: list[str], where: str) -> list[tuple[int, int]]:
    """(begin, end) line indices of each marked region, checking the markers pair up."""
    regions, start = [], None
    for i, line in enumerate(lines):
        text = line.strip()
        if text == BEGIN:
            if start is not None:
                raise SourceError(f"{where}, line {i + 1}: {BEGIN} inside another solution region")
            start = i
        elif text == END:
            if start is None:
                raise SourceError(f"{where}, line {i + 1}: {END} without a {BEGIN} before it")
            regions.append((start, i))
            start = None
    if start is not None:
        raise SourceError(f"{where}, line {start + 1}: {BEGIN} is never closed by {END}")
    return regions


def _assigned_names(code: str, where: str) -> list[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise SourceError(
            f"{where}: the solution is not valid Python ({exc.msg}, line {exc.lineno})"
        ) from None
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            for sub in ast.walk(target) if target is not None else []:
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store) and sub.id not in names:
                    names.append(sub.id)
    if not names:
        raise SourceError(
            f"{where}: a top-level solution must assign the answer to a name (e.g. `w2 = ...`), "
            "so the exercise can start with `w2 = ...`"
        )
    return names


def _stub_code(source: str, where: str, lang: str = "en") -> tuple[str, list[str]]:
    """The exercise version of a code cell, and the solution code of each region."""
    lines = source.split("\n")
    regions = _regions(lines, where)
    if not regions:  # the cell only mentions a marker (in a string, say): nothing to hide
        return source, []
    out, solutions, pos = [], [], 0
    for begin, end in regions:
        out.extend(lines[pos:begin])
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        body = lines[begin + 1 : end]
        solutions.append("\n".join(line[len(indent) :] if line.startswith(indent) else line for line in body))
        if indent:
            out.extend([f"{indent}{STUB_TEXTS[lang]['your_code']}", f"{indent}{STUB_TEXTS[lang]['todo']}"])
        else:
            for name in _assigned_names(solutions[-1], where):
                out.append(f"{name} = ...  {STUB_TEXTS[lang]['your_answer']}")
        pos = end + 1
    out.extend(lines[pos:])
    stub = "\n".join(out)
    try:
        tree = ast.parse(stub)
    except SyntaxError as exc:
        raise SourceError(f"{where}: the generated exercise would not be valid Python ({exc.msg})") from None
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child._parent = node  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and "TODO" in ast.unparse(node):
            parent = node
            while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                parent = getattr(parent, "_parent", None)
            if parent is None:
                raise SourceError(
                    f"{where}: an indented solution region must be inside a function; elsewhere its "
                    "`raise NotImplementedError` would stop 'Run All'"
                )
    return stub, solutions


def _stub_markdown(source: str, where: str, lang: str = "en") -> str:
    lines = source.split("\n")
    out, pos = [], 0
    for begin, end in _regions(lines, where):
        out.extend(lines[pos:begin])
        answer = "\n".join(lines[begin + 1 : end]).strip()
        out.extend([STUB_TEXTS[lang]["written"], "", STUB_TEXTS[lang]["details"].format(answer=answer)])
        pos = end + 1
    out.extend(lines[pos:])
    return "\n".join(out)


def _question_for(cells: list, index: int, after_line: str, where: str) -> str:
    found = CHECK_CALL.search(after_line)
    for cell in cells[index + 1 :]:
        if found:
            break
        if cell.cell_type == "code":
            found = CHECK_CALL.search(cell.source)
    if not found:
        raise SourceError(f"{where}: no `qN.check()` after this solution, so it belongs to no question")
    return found.group(1)


def exercise_from_solution(
    nb: nbformat.NotebookNode, rel: str, lang: str = "en"
) -> tuple[nbformat.NotebookNode, dict[str, str]]:
    """Make the exercise notebook from a solutions notebook, and collect its solution code by question."""
    ex = copy.deepcopy(nb)
    stem = Path(rel).stem
    solutions: dict[str, list[str]] = {}
    for i, cell in enumerate(ex.cells):
        where = f"{rel}, cell {i + 1} (index {i}, id {cell.get('id', '?')!r})"
        check_markers(cell.source, where)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if BEGIN in cell.source or END in cell.source:
                original = cell.source
                cell.source, codes = _stub_code(original, where, lang)
                if codes:
                    last_end = original.rsplit(END, 1)[1]
                    question = _question_for(ex.cells, i, last_end, where)
                    solutions.setdefault(f"{stem}:{question}", []).extend(codes)
        elif cell.cell_type == "markdown" and (BEGIN in cell.source or END in cell.source):
            cell.source = _stub_markdown(cell.source, where, lang)
    ex.metadata["fedlearn_edu"] = {
        "generated_from": rel,
        "note": "Generated by `python kit.py exercises`; edit the solutions notebook instead.",
        "content_sha256": content_hash(ex),
    }
    return ex, {key: "\n\n".join(codes) for key, codes in solutions.items()}


def _text(nb: nbformat.NotebookNode) -> str:
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def generate(root: Path) -> Generated:
    out = Generated()
    all_solutions: dict[str, str] = {}
    sources = sorted((root / "solutions").glob("*.ipynb"))
    if not sources:
        raise SourceError(f"no notebooks in {root / 'solutions'}")
    for path in sources:
        rel = path.relative_to(root).as_posix()
        ex, solutions = exercise_from_solution(nbformat.read(path, as_version=4), rel)
        out.files[Path("exercises") / path.name] = _text(ex)
        all_solutions.update(solutions)
    out.files[SOLUTIONS_JSON] = json.dumps(all_solutions, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return out


def _edited_by_someone(path: Path) -> bool:
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:
        return True  # unreadable: do not guess, do not overwrite
    stored = nb.metadata.get("fedlearn_edu", {}).get("content_sha256")
    return stored != content_hash(nb)


def keep_backup(path: Path, folder: Path) -> Path:
    """Copy ``path`` into ``folder`` as ``<stem>.<date-time>[-N].ipynb``, never replacing an earlier backup.

    The file is created exclusively, so two backups in the same second (or two runs at once) get
    ``-2``, ``-3``, ... instead of overwriting each other.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = path.read_bytes()
    for n in itertools.count(1):
        backup = folder / f"{path.stem}.{stamp}{'' if n == 1 else f'-{n}'}{path.suffix}"
        try:
            with open(backup, "xb") as file:
                file.write(data)
        except FileExistsError:
            continue
        return backup
    raise AssertionError("unreachable")


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python kit.py exercises", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report differences; exit 1 if any")
    parser.add_argument(
        "--force", action="store_true", help="overwrite edited exercise notebooks (a backup is kept)"
    )
    args = parser.parse_args(argv)
    try:
        generated = generate(root)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    expected_exercises = {p for p in generated.files if p.parts[0] == "exercises"}
    extra = (
        sorted(p.relative_to(root) for p in (root / "exercises").glob("*.ipynb"))
        if (root / "exercises").exists()
        else []
    )
    extra = [p for p in extra if p not in expected_exercises]
    changed = [
        p
        for p, text in generated.files.items()
        if not (root / p).exists() or (root / p).read_text(encoding="utf-8") != text
    ]

    if args.check:
        for p in changed:
            print(f"out of date: {p.as_posix()} (run `python kit.py exercises`)")
        for p in extra:
            print(f"not generated from solutions/: {p.as_posix()}")
        if changed or extra:
            return 1
        print(f"exercises are up to date ({len(expected_exercises)} notebooks)")
        return 0

    refused = []
    for p in changed:
        target = root / p
        if p.parts[0] == "exercises" and target.exists() and _edited_by_someone(target):
            if not args.force:
                refused.append(p)
                continue
            backup = keep_backup(target, root / "exercises" / ".backups")
            print(f"kept a copy of the edited {p.as_posix()} in {backup.relative_to(root).as_posix()}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(generated.files[p], encoding="utf-8", newline="\n")
        print(f"wrote {p.as_posix()}")
    for p in extra:
        print(f"note: {p.as_posix()} has no source in solutions/; left alone")
    for p in refused:
        print(
            f"refused: {p.as_posix()} was edited after it was generated (someone's work?). "
            "Move it aside, or run with --force (a backup copy is kept)."
        )
    if not changed:
        print("exercises are up to date; nothing written")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())

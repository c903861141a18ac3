"""The exercise generator: stubs, written answers, --check, and never overwriting someone's work."""

import json

import nbformat
import pytest

from authoring import exercises as gen
from conftest import ROOT


def _solution_notebook(*cells):
    nb = nbformat.v4.new_notebook()
    for i, (kind, source) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.id = f"cell-{i}"
        if kind == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="stored output\n")]
            cell.execution_count = i + 1
        nb.cells.append(cell)
    return nb


FUNCTION_CELL = (
    "def f(x):\n    ### BEGIN SOLUTION\n    y = 2 * x\n    return y\n    ### END SOLUTION\n\n\nq1.check()"
)
VALUE_CELL = "### BEGIN SOLUTION\nanswer = [0.2, 0.3]\nother, third = 1, 2\n### END SOLUTION\nq2.check()"
WRITTEN_CELL = "Your answer:\n### BEGIN SOLUTION\nBecause **weights**.\n### END SOLUTION"


@pytest.fixture
def course(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "fedlearn_edu" / "questions").mkdir(parents=True)
    nb = _solution_notebook(
        ("markdown", "# Title"),
        ("code", "from x import q1, q2"),
        ("code", FUNCTION_CELL),
        ("code", VALUE_CELL),
        ("markdown", WRITTEN_CELL),
    )
    nbformat.write(nb, tmp_path / "solutions" / "05_demo.ipynb")
    return tmp_path


def _exercise(course):
    return nbformat.read(course / "exercises" / "05_demo.ipynb", as_version=4)


def test_generate_writes_stubs_and_clears_outputs(course):
    assert gen.main([], root=course) == 0
    ex = _exercise(course)
    function_cell, value_cell, written = ex.cells[2].source, ex.cells[3].source, ex.cells[4].source
    assert "raise NotImplementedError" in function_cell and "TODO" in function_cell
    assert "2 * x" not in function_cell and "q1.check()" in function_cell
    assert (
        "answer = ...  # TODO" in value_cell and "other = ..." in value_cell and "third = ..." in value_cell
    )
    assert "0.2" not in value_cell
    assert "<details>" in written and "Because **weights**." in written and "BEGIN SOLUTION" not in written
    assert all(
        c.get("outputs", []) == [] and c.get("execution_count") is None
        for c in ex.cells
        if c.cell_type == "code"
    )
    assert [c.id for c in ex.cells] == [
        f"cell-{i}" for i in range(5)
    ]  # ids kept: regeneration is deterministic
    solutions = json.loads((course / gen.SOLUTIONS_JSON).read_text())
    assert solutions == {
        "05_demo:q1": "y = 2 * x\nreturn y",
        "05_demo:q2": "answer = [0.2, 0.3]\nother, third = 1, 2",
    }


def test_generated_exercise_is_valid_python_and_runs_without_raising(course):
    gen.main([], root=course)
    namespace = {}
    for cell in _exercise(course).cells[2:4]:
        code = "\n".join(line for line in cell.source.split("\n") if ".check(" not in line)
        exec(compile(code, "<exercise>", "exec"), namespace)
    assert namespace["answer"] is Ellipsis
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


def test_check_mode_passes_when_up_to_date_and_writes_nothing(course, capsys):
    gen.main([], root=course)
    before = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}
    assert gen.main(["--check"], root=course) == 0
    assert {p: p.read_bytes() for p in course.rglob("*") if p.is_file()} == before


def test_check_mode_fails_on_drift_and_writes_nothing(course, capsys):
    gen.main([], root=course)
    nb = nbformat.read(course / "solutions" / "05_demo.ipynb", as_version=4)
    nb.cells[0].source = "# A new title"
    nbformat.write(nb, course / "solutions" / "05_demo.ipynb")
    exercise_before = (course / "exercises" / "05_demo.ipynb").read_bytes()
    assert gen.main(["--check"], root=course) == 1
    assert "out of date: exercises/05_demo.ipynb" in capsys.readouterr().out
    assert (course / "exercises" / "05_demo.ipynb").read_bytes() == exercise_before


def test_check_mode_fails_on_an_exercise_without_a_source(course, capsys):
    gen.main([], root=course)
    (course / "exercises" / "99_orphan.ipynb").write_text("{}")
    assert gen.main(["--check"], root=course) == 1
    assert "99_orphan" in capsys.readouterr().out


def test_regenerating_twice_is_byte_identical(course):
    gen.main([], root=course)
    first = (course / "exercises" / "05_demo.ipynb").read_bytes()
    gen.main([], root=course)
    assert (course / "exercises" / "05_demo.ipynb").read_bytes() == first


def test_running_an_exercise_does_not_count_as_editing(course):
    gen.main([], root=course)
    ex = _exercise(course)
    ex.cells[1].outputs = [nbformat.v4.new_output("stream", text="student ran it\n")]
    nbformat.write(ex, course / "exercises" / "05_demo.ipynb")
    assert not gen._edited_by_someone(course / "exercises" / "05_demo.ipynb")


def test_refuses_to_overwrite_an_edited_exercise_unless_forced(course, capsys):
    gen.main([], root=course)
    ex = _exercise(course)
    ex.cells[2].source = ex.cells[2].source.replace("raise NotImplementedError", "return x + x  # my work")
    nbformat.write(ex, course / "exercises" / "05_demo.ipynb")
    student_work = (course / "exercises" / "05_demo.ipynb").read_bytes()
    sol = nbformat.read(course / "solutions" / "05_demo.ipynb", as_version=4)
    sol.cells[0].source = "# Updated by the instructor"
    nbformat.write(sol, course / "solutions" / "05_demo.ipynb")

    assert gen.main([], root=course) == 1
    assert "refused: exercises/05_demo.ipynb" in capsys.readouterr().out
    assert (course / "exercises" / "05_demo.ipynb").read_bytes() == student_work

    assert gen.main(["--force"], root=course) == 0
    backups = list((course / "exercises" / ".backups").glob("05_demo.*.ipynb"))
    assert len(backups) == 1 and backups[0].read_bytes() == student_work
    assert "Updated by the instructor" in _exercise(course).cells[0].source


def test_leaves_an_unknown_exercise_notebook_alone(course, capsys):
    (course / "exercises").mkdir()
    (course / "exercises" / "my_notes.ipynb").write_text("{}")
    gen.main([], root=course)
    assert (course / "exercises" / "my_notes.ipynb").read_text() == "{}"
    assert "left alone" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1\nq1.check()", "never closed"),
        ("x = 1\n### END SOLUTION\nq1.check()", "without a ### BEGIN SOLUTION"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\nq1.check()", "inside another"),
        (
            "for i in range(2):\n    ### BEGIN SOLUTION\n    x = i\n    ### END SOLUTION\nq1.check()",
            "inside a function",
        ),
        ("### BEGIN SOLUTION\nprint(1)\n### END SOLUTION\nq1.check()", "assign the answer to a name"),
        ("### BEGIN SOLUTION\nx = = 1\n### END SOLUTION\nq1.check()", "not valid Python"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "no `qN.check()`"),
    ],
)
def test_broken_solution_sources_get_a_clear_error(tmp_path, capsys, source, message):
    (tmp_path / "solutions").mkdir()
    nbformat.write(_solution_notebook(("code", source)), tmp_path / "solutions" / "01_bad.ipynb")
    assert gen.main([], root=tmp_path) == 2
    err = capsys.readouterr().err
    assert message in err and "solutions/01_bad.ipynb, cell 1" in err
    assert not (tmp_path / "exercises").exists()


def test_the_repository_exercises_are_up_to_date():
    assert gen.main(["--check"], root=ROOT) == 0


def test_every_question_has_a_solution_and_every_solution_a_question():
    import importlib
    import pkgutil

    import fedlearn_edu.questions as questions
    from fedlearn_edu.checker import Problem

    solutions = json.loads((ROOT / gen.SOLUTIONS_JSON).read_text())
    keys = set()
    for info in pkgutil.iter_modules(questions.__path__):
        module = importlib.import_module(f"fedlearn_edu.questions.{info.name}")
        if info.name == "quiz":  # marked by report() in lessons 00 and 10, explained by the post-test
            assert module.NOTEBOOK == "quiz" and not any(key.startswith("quiz:") for key in solutions)
            continue
        assert (ROOT / "solutions" / f"{module.NOTEBOOK}.ipynb").exists(), module.NOTEBOOK
        for name, value in vars(module).items():
            if isinstance(value, Problem):
                assert value.notebook == module.NOTEBOOK and value.name == name
                keys.add(f"{module.NOTEBOOK}:{name}")
    assert keys == set(solutions)


@pytest.mark.parametrize(
    "marker",
    [
        "#### BEGIN SOLUTION",
        "### Begin Solution",
        "## END SOLUTION",
        "### BEGIN SOLUTIONS",
        "### BEGIN SOLUTION  # the weighted mean",
        "### END SOLUTION.",
        "# BEGIN SOLUTION",
        "###BEGIN SOLUTION",
        "### BEGIN_SOLUTION",
        "    ### end solution",
        "secret = 0.4242  ### END SOLUTION",
    ],
)
@pytest.mark.parametrize("kind", ["code", "markdown"])
def test_a_marker_that_is_not_quite_one_is_an_error_naming_notebook_cell_and_line(
    tmp_path, capsys, marker, kind
):
    # Today's bug: such a line was copied as text, and with it the solution, into the student's notebook.
    source = f"w = 1\n{marker}\nsecret = 0.4242\n### END SOLUTION\nq1.check()"
    if "END" in marker.upper():
        source = f"### BEGIN SOLUTION\nsecret = 0.4242\n{marker}\nq1.check()"
    (tmp_path / "solutions").mkdir()
    nb = _solution_notebook(("markdown", "# Title"), (kind, source))
    nbformat.write(nb, tmp_path / "solutions" / "01_bad.ipynb")
    assert gen.main([], root=tmp_path) == 2
    err = capsys.readouterr().err
    line = source.split("\n").index(marker) + 1
    assert f"solutions/01_bad.ipynb, cell 2 (index 1, id 'cell-1'), line {line}: {marker.strip()!r}" in err
    assert "looks like a solution marker" in err
    assert not (tmp_path / "exercises").exists()
    assert not (tmp_path / "fedlearn_edu").exists()  # no solutions file either


def test_markers_in_prose_or_code_that_only_mention_them_are_fine(course):
    nb = nbformat.read(course / "solutions" / "05_demo.ipynb", as_version=4)
    nb.cells[0].source = "# Title\nMark answers between `### BEGIN SOLUTION` and `### END SOLUTION`."
    nb.cells[1].source += '\nprint("### BEGIN SOLUTION")'
    nbformat.write(nb, course / "solutions" / "05_demo.ipynb")
    assert gen.main([], root=course) == 0


def _edit_and_force(course, student_line: str, title: str) -> None:
    ex = _exercise(course)
    ex.cells[2].source = ex.cells[2].source.replace("raise NotImplementedError", student_line, 1)
    nbformat.write(ex, course / "exercises" / "05_demo.ipynb")
    sol = nbformat.read(course / "solutions" / "05_demo.ipynb", as_version=4)
    sol.cells[0].source = title
    nbformat.write(sol, course / "solutions" / "05_demo.ipynb")
    assert gen.main(["--force"], root=course) == 0


def test_two_forced_regenerations_in_the_same_second_keep_both_students_edits(course, monkeypatch):
    monkeypatch.setattr(gen.time, "strftime", lambda fmt, *args: "20261202-072500")  # one and the same second
    gen.main([], root=course)
    _edit_and_force(course, "return x + x  # first edit", "# Version 2")
    _edit_and_force(course, "return 2 * x  # second edit", "# Version 3")
    backups = sorted((course / "exercises" / ".backups").glob("05_demo.*.ipynb"))
    assert [b.name for b in backups] == ["05_demo.20261202-072500-2.ipynb", "05_demo.20261202-072500.ipynb"]
    texts = {b.name: b.read_text() for b in backups}
    assert "first edit" in texts["05_demo.20261202-072500.ipynb"]
    assert "second edit" in texts["05_demo.20261202-072500-2.ipynb"]


def test_backups_never_overwrite_each_other(tmp_path):
    work = tmp_path / "05_demo.ipynb"
    made = []
    for i in range(3):  # well within one second
        work.write_text(f"edit {i}")
        made.append(gen.keep_backup(work, tmp_path / ".backups"))
    assert len(set(made)) == 3
    assert [p.read_text() for p in made] == ["edit 0", "edit 1", "edit 2"]

"""The package speaks Chinese when asked (issue 16): checker feedback, hints, solutions, widgets, figures, printouts.

English stays the default and stays exactly as it was (the English notebooks' stored outputs are checked by
nbval); these tests switch to Chinese with ``i18n.set_language("zh")`` and a fixture switches back after each
test, so no other test runs in Chinese.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import re
import types
import unicodedata
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import polib
import pytest
from matplotlib.text import Text

import fedlearn_edu.plots as plots
from conftest import ROOT
from fedlearn_edu import checker, i18n
from fedlearn_edu.checker import Case, FunctionProblem, Mistake, ValueProblem

matplotlib.use("Agg")
CJK = re.compile(r"[\u4e00-\u9fff]")
LOCALE = ROOT / "fedlearn_edu" / "locale" / "zh"


def _columns(text: str) -> int:
    """Columns of a fixed-width font, counted here (not by the code under test): wide and fullwidth take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


@pytest.fixture(autouse=True)
def _back_to_english():
    """Every test starts and ends with the language chosen by nobody (FEDLEARN_LANG or English)."""
    i18n.set_language(None)
    family = plt.rcParams["font.family"]
    yield
    i18n.set_language(None)
    plt.close("all")
    plt.rcParams["font.family"] = family  # use_cjk_font() changed it for the rest of the process


@pytest.fixture
def zh():
    i18n.set_language("zh")
    return i18n


def _shown(call) -> str:
    """What a check/hint/solution shows (printed as text outside Jupyter)."""
    out = io.StringIO()
    with redirect_stdout(out):
        call()
    return out.getvalue()


def _english_of(*catalogues: str) -> list[str]:
    """The English sentences of the given catalogues that have a translation of their own (not "FedAvg")."""
    texts = []
    for name in catalogues:
        for entry in polib.pofile(str(LOCALE / f"{name}.po")):
            if entry.msgstr and entry.msgstr != entry.msgid:
                texts.append(entry.msgid)
    return texts


def _template_words(template: str) -> list[str]:
    """The runs of plain English words of a template (its placeholders removed), at least three words long."""
    return [w.strip() for w in re.split(r"\{[^{}]*\}", template) if len(re.findall(r"[A-Za-z]{2,}", w)) >= 3]


def _no_english_template_left(text: str, *catalogues: str) -> list[str]:
    return [piece for t in _english_of(*catalogues) for piece in _template_words(t) if piece in text]


# --- the language itself ------------------------------------------------------------------------------


def test_english_is_the_default_when_nobody_chose(monkeypatch):
    monkeypatch.delenv(i18n.ENV, raising=False)
    assert i18n.language() == "en"
    assert i18n.t("Correct") == "Correct"
    monkeypatch.setenv(i18n.ENV, "zh_CN")
    assert i18n.language() == "zh"
    monkeypatch.setenv(i18n.ENV, "klingon")  # a typo never stops a lesson
    assert i18n.language() == "en"


def test_placeholders_are_filled_after_translating(zh):
    template = "{call} ({label}) should return {expected} but returned {got}."
    text = i18n.t(template, call="f(3)", label="三个节点", expected="6", got="9")
    assert text == "f(3)（三个节点）应返回 6，实际返回了 9。"
    i18n.set_language("en")
    assert (
        i18n.t(template, call="f(3)", label="x", expected="6", got="9")
        == "f(3) (x) should return 6 but returned 9."
    )


def test_format_specs_survive_translation(zh):
    assert i18n.t("target {target:.0%}", target=0.93) == "目标 93%"


# --- padding a fixed-width table ------------------------------------------------------------------------


@pytest.mark.parametrize("align", ["<", ">", "^"])
def test_pad_is_str_formatting_for_english_text(align):
    """English text pads exactly as f"{text:<width}" does: every English table prints as before."""
    for text in ["", "a", "FedAvg", "trimmed mean", "FedProx μ = 0", "σ = 0.5:", "x" * 12]:
        for width in range(15):
            assert i18n.pad(text, width, align) == format(text, f"{align}{width}"), (text, width, align)


def test_pad_counts_a_chinese_character_as_two_columns():
    assert i18n.pad("联邦", 6) == "联邦  "
    assert i18n.pad("联邦", 6, ">") == "  联邦"
    assert i18n.pad("联邦", 7, "^") == " 联邦  "  # the odd space on the right, as format() puts it
    assert i18n.pad("合并损失：", 12) == "合并损失：  "  # fullwidth punctuation is two columns as well
    assert i18n.pad("联邦", np.int64(6)) == "联邦  "  # a numpy integer is a whole number too
    texts = ["模型", "ResNet-18", "第 04 课 MLP", "０", "σ ± μ", "合并损失：", ""]
    assert [i18n.display_width(s) for s in texts] == [_columns(s) for s in texts] == [4, 9, 12, 2, 5, 10, 0]


def test_pad_leaves_text_that_is_already_too_wide_unchanged():
    assert i18n.pad("联邦平均", 7) == "联邦平均"  # 8 columns
    assert i18n.pad("联邦平均", 8, ">") == "联邦平均"
    assert i18n.pad("federated", 3, "^") == "federated"
    assert i18n.pad("", 0) == "" and i18n.pad("联", 0) == "联"


def test_padded_mixed_labels_line_up_in_a_fixed_width_font():
    labels = ["第 04 课 MLP", "ResNet-18", "模型", "bob 单独训练，共 100 步", "FedProx μ = 1"]
    for align in ["<", ">", "^"]:
        padded = [i18n.pad(label, 26, align) for label in labels]
        assert {_columns(p) for p in padded} == {26}, padded
        assert [p.strip() for p in padded] == labels
    assert i18n.pad("第 04 课 MLP", 15) == "第 04 课 MLP   "  # 12 columns and 3 spaces


# --- the checker ---------------------------------------------------------------------------------------


def _double() -> FunctionProblem:
    return FunctionProblem(
        "double",
        cases=[Case(3, label="the article's three nodes")],
        reference=lambda x: 2 * x,
        mistakes=[
            Mistake(
                lambda x: x * x,
                "you added the clients' vectors but did not divide by N, the number of clients.",
            )
        ],
        title="The article's formula, from scratch",
        hints=["think again."],
        name="q1",
    )


def test_a_wrong_answer_is_explained_in_chinese(zh):
    feedback = _double().evaluate(lambda x: x * x)
    assert feedback.status == "incorrect"
    text = str(feedback)
    assert "不正确" in text and "应返回 6，实际返回了 9" in text and "可能的原因" in text
    assert not _no_english_template_left(text, "checker", "_compare"), text
    assert "<b style='color:#D55E00'>✗ 不正确</b>" in feedback._repr_html_()


def test_value_differences_are_described_in_chinese(zh):
    problem = ValueProblem("w", title="t", expected={"choices": ["a", "b"], "weight": [1.0, 2.0]})
    text = problem.evaluate({"choices": ["a", "c"], "weight": [1.0, 2.0]}).message
    assert text == "`w`：键 'choices' 的第 1 项 应为 'b'，实际得到 'c'。"
    text = problem.evaluate({"choices": ["a", "b"], "weight": [1.0, 2.5]}).message
    assert text == "`w`：键 'weight' 应为 [1.0, 2.0]，实际得到 [1.0, 2.5]。"
    missing = problem.evaluate({"choices": ["a", "b"]}).message
    assert "缺少键 'weight'" in missing
    assert not _no_english_template_left(missing, "checker", "_compare"), missing


def test_a_chinese_reader_gets_the_same_detail_as_an_english_one(zh):
    """The checker decides on the English words of a difference ("shape", ...) in every language."""
    problem = FunctionProblem("f", cases=[Case(1)], reference=lambda x: [1.0, 2.0], title="t")
    assert "具体来说：形状应为 (2,)，实际为 (3,)" in problem.evaluate(lambda x: [1.0, 2.0, 3.0]).message
    assert "具体来说" not in problem.evaluate(lambda x: [1.0, 5.0]).message
    i18n.set_language("en")
    assert (
        "In detail: expected shape (2,) but got shape (3,)"
        in problem.evaluate(lambda x: [1.0, 2.0, 3.0]).message
    )


def test_not_attempted_and_student_errors_in_chinese(zh):
    problem = _double()
    assert "请在上面的单元格里定义 `double`" in problem.evaluate().message
    assert (
        "仍然抛出 NotImplementedError"
        in problem.evaluate(lambda x: (_ for _ in ()).throw(NotImplementedError)).message
    )
    crashed = problem.evaluate(lambda x: 1 / 0).message
    assert crashed.startswith("调用 double(3) 时，Python 抛出了 ZeroDivisionError")


def test_a_hint_comes_out_in_chinese(zh):
    shown = _shown(_double().hint)
    assert "? 提示 -- q1：" in shown and "再想一想。" in shown  # "think again." is in the checker's catalogue
    assert "（这是最后一条提示。还是卡住了？q1.solution() 会给出参考答案。）" in shown
    assert not _no_english_template_left(shown, "checker"), shown


def test_a_real_questions_hint_frame_is_chinese_and_its_text_goes_through_the_catalogue(zh):
    from fedlearn_edu.questions import lesson02

    shown = _shown(lambda: lesson02.q1.hint(1))
    assert "（提示 1/3：q1.hint(2) 会讲得更多。）" in shown
    assert i18n.t(lesson02.q1.hints[0]) in shown  # Chinese once the lesson's catalogue has it
    assert "says more" not in shown


def _fake_solutions(tmp_path: Path, monkeypatch, *, chinese: bool) -> None:
    folder = tmp_path / "questions"
    folder.mkdir()
    (folder / "solutions.json").write_text('{"99_demo:q1": "total = 1 + 2  # add them up"}', encoding="utf-8")
    if chinese:
        (folder / "solutions.zh.json").write_text(
            '{"99_demo:q1": "total = 1 + 2  # 加起来"}', encoding="utf-8"
        )
    monkeypatch.setattr(checker, "resources", types.SimpleNamespace(files=lambda package: folder))


def test_a_solution_shows_the_chinese_code_and_falls_back_to_the_english(zh, tmp_path, monkeypatch):
    problem = _double()
    problem.notebook = "99_demo"
    _fake_solutions(tmp_path, monkeypatch, chinese=True)
    shown = _shown(problem.solution)
    assert shown.startswith("★ 参考答案 -- q1：") and "# 加起来" in shown
    i18n.set_language("en")
    assert "# add them up" in _shown(problem.solution)
    i18n.set_language("zh")
    (tmp_path / "questions" / "solutions.zh.json").unlink()  # not built yet: the English code, never nothing
    assert "# add them up" in _shown(problem.solution)


def test_the_real_solutions_file_is_used_in_chinese_until_the_build_writes_its_own(zh):
    from fedlearn_edu.questions import lesson00

    assert "total_patients = 120 + 80 + 40" in _shown(lesson00.q1.solution)


def test_every_question_text_the_checker_translates_is_extracted_for_a_catalogue():
    """authoring.translate.question_texts and the checker agree: whatever the checker passes to t() is in a
    catalogue (question texts in questions_<lesson>.po, marked strings of the question modules in questions.po)."""
    from authoring import translate as tr
    from fedlearn_edu.questions import __path__ as questions_path

    marked = {s for p in (ROOT / "fedlearn_edu").rglob("*.py") for s in tr._strings_in_source(p)}
    missing = []
    for info in pkgutil.iter_modules(questions_path):
        module = importlib.import_module(f"fedlearn_edu.questions.{info.name}")
        extracted = set(tr.question_texts(module)) | marked
        for name, problem in vars(module).items():
            if not isinstance(problem, checker.Problem):
                continue
            shown = [problem.title, *problem.hints, problem.explanation]
            shown += [m.message for m in [*getattr(problem, "mistakes", []), *getattr(problem, "known", [])]]
            cases = getattr(problem, "_cases", [])
            shown += [c.label for c in (cases() if callable(cases) else cases)]
            shown += [*getattr(problem, "options", {}).values(), *getattr(problem, "why", {}).values()]
            missing += [f"{info.name}.{name}: {s[:60]!r}" for s in shown if s and s not in extracted]
    assert not missing, "\n".join(missing)


def test_the_quiz_sheet_and_score_in_chinese_keep_the_score_line(zh):
    from fedlearn_edu.questions import quiz

    sheet = quiz.sheet()
    assert (
        sheet.startswith("fedlearn-edu 知识测验（共 15 题）。")
        and "\n1. 在联邦学习中，从客户端传到服务器的是什么？" in sheet
    )
    report = str(quiz.report({1: "b"}, "pre"))
    assert "你的前测得分：1 / 15（已答 1 题）。" in report
    assert (
        report.splitlines()[-1] == quiz.report({1: "b"}, "pre").line
    )  # the line an instructor parses stays English
    assert quiz.parse([report.splitlines()[-1]])[0]["score"] == 1


# --- widgets -------------------------------------------------------------------------------------------


def test_a_widget_speaks_chinese(zh):
    from fedlearn_edu.widgets.convergence import ConvergenceWidget

    plots.use_cjk_font()
    w = ConvergenceWidget(rounds=2, local_steps=1)
    assert w.rounds.description == "轮数" and w.local_steps.description == "本地步数"
    assert [label for label, _ in w.weighting.options] == ["等权重（文章的做法）", "按样本数"]
    text = w._repr_mimebundle_()["text/plain"]
    assert text.startswith("收敛控件：") and "2 轮 × 每轮 1 个本地步，lr 0.1，等权重：合并损失" in text
    assert not _no_english_template_left(text, "widgets", "two_workers"), text


def test_widget_option_values_stay_the_codes_names(zh):
    from fedlearn_edu.widgets import explorer, robustness

    assert [value for _, value in explorer.PARTITIONS] == ["iid", "dirichlet", "shards"]
    assert [value for _, value in robustness.ATTACK_CHOICES] == ["sign_flip", "label_flip", "backdoor"]


# --- figures -------------------------------------------------------------------------------------------


def _two_worker_history():
    from fedlearn_edu.two_workers import article_model, train_two_workers

    return train_two_workers(article_model(seed=5), rounds=3, local_steps=2)


def _histories():
    from fedlearn_edu.simulation.history import History

    return [
        History({"E": 1, "B": None}, test_accuracy=[0.1, 0.5, 0.7, 0.8], test_loss=[2.3, 1.0, 0.7, 0.5]),
        History({"E": 5, "B": 10}, test_accuracy=[0.1, 0.8, 0.92, 0.95], test_loss=[2.3, 0.6, 0.3, 0.2]),
    ]


def _attack_rows():
    rows = [types.SimpleNamespace(aggregator=a, attack="none", fraction=0.0, accuracy=0.9, backdoor_success=0.0)
            for a in ("FedAvg", "median", "trimmed mean")]  # fmt: skip
    for attack in ("label_flip", "sign_flip", "backdoor"):
        for a in ("FedAvg", "median", "trimmed mean"):
            rows.append(types.SimpleNamespace(aggregator=a, attack=attack, fraction=0.2, accuracy=0.6,
                                              backdoor_success=0.5))  # fmt: skip
    return rows


def _hospitals():
    from fedlearn_edu.applications import medical as med

    return med.split_hospitals(*med.load_breast_cancer(), seed=0)


def _site_rows():
    return [{"site": s, "method": m, "auc": 0.9, "auc_low": 0.8, "auc_high": 0.95, "accuracy": 0.85,
             "accuracy_low": 0.8, "accuracy_high": 0.9} for s in ("A", "B") for m in ("FedAvg", "alone")]  # fmt: skip


def _lab():
    from fedlearn_edu import drift

    return drift.drift_lab()


GEN = np.random.default_rng(0)
DIGITS = GEN.random((6, 64))
LABELS = np.repeat(np.arange(10), 20)
PARTS = [list(range(i, 200, 10)) for i in range(10)]

# Every public figure function of fedlearn_edu.plots, called on small data, titles left to the package where
# it has its own; a caller's title is Chinese (the lessons pass theirs through the notebook's catalogue).
FIGURES = {
    "averaging.plot_models_2d": lambda m: m.plot_models_2d([[0, 1], [1, 0], [2, 2]], labels=["a", "b", "c"],
                                                           num_samples=[1, 2, 3]),
    "averaging.plot_estimates": lambda m: m.plot_estimates([1.0, 2.0], [3, 4], labels=["a", "b"], truth=1.5,
                                                           unit="mmHg"),
    "applications.plot_hospitals": lambda m: m.plot_hospitals(_hospitals()),
    "applications.plot_per_site": lambda m: m.plot_per_site(_site_rows(), metric="accuracy"),
    "convergence.plot_convergence": lambda m: m.plot_convergence(_two_worker_history()),
    "convergence.plot_pooled_loss": lambda m: m.plot_pooled_loss(_two_worker_history()),
    "convergence.plot_trajectories": lambda m: m.plot_trajectories(_two_worker_history()),
    "convergence.plot_loss_comparison": lambda m: m.plot_loss_comparison([_two_worker_history()], ["两步"],
                                                                         title="损失"),
    "curves.plot_curves": lambda m: m.plot_curves(_histories(), target=0.9),
    "curves.plot_rounds_to_target": lambda m: m.plot_rounds_to_target(_histories(), 0.93),
    "diagrams.draw_centralised_vs_federated": lambda m: m.draw_centralised_vs_federated(),
    "diagrams.draw_flower_deployment": lambda m: m.draw_flower_deployment(3),
    "drift.plot_drift_paths": lambda m: m.plot_drift_paths(_lab(), {"FedAvg": np.array([[0.0, 0.0], [0.1, 0.2]])}),
    "drift.plot_fixed_points": lambda m: m.plot_fixed_points(_lab(), {1: np.array([-0.6, 0.3]),
                                                                      8: np.array([-0.5, 0.2])}),
    "drift.plot_client_accuracy": lambda m: m.plot_client_accuracy([0.9, 0.95, 0.4, 1.0], global_accuracy=0.9),
    "partitions.plot_partition": lambda m: m.plot_partition(PARTS, LABELS, sort=True),
    "partitions.plot_label_heatmap": lambda m: m.plot_label_heatmap(PARTS, LABELS),
    "partitions.plot_client_sizes": lambda m: m.plot_client_sizes(PARTS),
    "privacy.plot_reconstruction": lambda m: m.plot_reconstruction(DIGITS[0], {0: DIGITS[1], 5: DIGITS[2]},
                                                                   title="重建"),
    "privacy.plot_defence_errors": lambda m: m.plot_defence_errors({"裁剪": ([1, 2], [[0.1, 0.2], [0.3]])},
                                                                   baseline=0.1, title="防御"),
    "privacy.plot_dp_runs": lambda m: m.plot_dp_runs(_histories(), title="差分隐私"),
    "privacy.plot_accuracy_vs_epsilon": lambda m: m.plot_accuracy_vs_epsilon(
        {"100 个客户端": ([1.0, 2.0, 6.0], [0.7, 0.8, 0.88])}, references={"100 个客户端": 0.91}, title="代价"),
    "privacy.plot_masked_update": lambda m: m.plot_masked_update(GEN.normal(size=5), np.arange(5) * 2**60,
                                                                 title="掩码"),
    "robustness.plot_aggregates_1d": lambda m: m.plot_aggregates_1d([1.0, 2.0, 9.0], {"FedAvg": 4.0, "median": 2.0},
                                                                    title="聚合"),
    "robustness.plot_attack_grid": lambda m: m.plot_attack_grid(_attack_rows(), title="攻击"),
    "robustness.plot_benign_cost": lambda m: m.plot_benign_cost({"IID": {"FedAvg": 0.9, "trimmed mean": 0.88}},
                                                                title="代价"),
    "robustness.plot_triggered": lambda m: m.plot_triggered(DIGITS[:3], DIGITS[3:], title="触发器"),
}  # fmt: skip


def _public_figure_functions() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(plots.__path__):
        module = importlib.import_module(f"fedlearn_edu.plots.{info.name}")
        found |= {f"{info.name}.{name}" for name in vars(module) if name.startswith(("plot_", "draw_"))
                  and getattr(vars(module)[name], "__module__", "") == module.__name__}  # fmt: skip
    return found


def test_every_figure_function_has_a_chinese_case():
    assert set(FIGURES) == _public_figure_functions()


def _draw(name: str):
    module = importlib.import_module(f"fedlearn_edu.plots.{name.split('.')[0]}")
    made = FIGURES[name](module)
    fig = made if isinstance(made, matplotlib.figure.Figure) else made.figure
    fig.canvas.draw()  # text is laid out (and glyphs looked up) when the figure is drawn
    return fig


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_figure_draws_in_chinese_without_a_missing_glyph(zh, name):
    plots.use_cjk_font()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph")  # a box instead of a character is an error here
        fig = _draw(name)
    texts = _texts(fig)
    assert any(CJK.search(t) for t in texts), texts
    english = set(_english_of("plots", "commlog", "two_workers"))  # labels the package itself writes
    assert not [t for t in texts if t in english], texts


def test_without_the_chinese_font_the_figure_test_fails(zh, monkeypatch):
    """The check above can fail: with matplotlib's own font only, Chinese text is a missing glyph."""
    monkeypatch.setattr(plots, "_current_style", lambda: plots.STYLE)
    plt.rcParams["font.family"] = "DejaVu Sans"
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph")
        with pytest.raises(UserWarning, match="Glyph"):
            _draw("curves.plot_curves")


def test_figures_stay_english_by_default():
    fig = _draw("partitions.plot_partition")
    assert "label" in _texts(fig) and not any(CJK.search(t) for t in _texts(fig))


# --- what a lesson prints from the package -------------------------------------------------------------------


def test_printouts_of_the_package_in_chinese(zh):
    from fedlearn_edu import envcheck
    from fedlearn_edu.commlog import CommunicationLog
    from fedlearn_edu.data import load_digits

    report = _shown(envcheck.report)
    assert "一切就绪：所有课程都可以运行。" in report or "缺少了一些东西" in report
    log = CommunicationLog()
    for r in (1, 2):
        log.record(r, "server", "bob", "global model", {"weight": np.zeros((1, 2), np.float32)})
    table = str(log)
    assert table.splitlines()[0].split() == ["轮次", "发送方", "接收方", "内容", "张量", "数值个数", "字节数"]
    assert "服务器" in table and "全局模型" in table and table.endswith("2 次传输，4 个数值，16 字节")
    assert (
        repr(load_digits(seed=0))
        == "Dataset('digits'：训练样本 1347 个，测试样本 450 个，64 个特征，10 个类别)"
    )


def test_a_chinese_log_table_lines_up_in_a_fixed_width_font(zh):
    from fedlearn_edu.commlog import CommunicationLog

    log = CommunicationLog()
    log.record(1, "server", "bob", "global model", {"w": np.zeros(3, np.float32)})
    log.record(1, "bob", "server", "trained model", {"w": np.zeros(3, np.float32)})
    head, *rows, _ = str(log).splitlines()
    ends = {_columns(line) for line in [head, *rows]}
    assert len(ends) == 1, str(log)  # every row as wide as the heading: the numbers' column ends line up


def test_bold_chinese_text_draws_regular_without_a_log_line_in_the_lesson(zh, caplog):
    """The CJK font has one weight; matplotlib's "Failed to find font weight bold" note must not reach a notebook."""
    import matplotlib.font_manager as fm

    plots.use_cjk_font()
    fm.FontManager._findfont_cached.cache_clear()  # the note is logged once per font and weight: look afresh
    with caplog.at_level("WARNING", logger="matplotlib.font_manager"):
        _draw("diagrams.draw_centralised_vs_federated")  # bold labels: "服务器", "医院 A"
    assert not [r for r in caplog.records if "Failed to find font weight" in r.getMessage()], caplog.text

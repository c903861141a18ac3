"""What the lessons' texts say agrees with what their code does and prints (issue 11, "lesson texts").

These tests read the *stored* notebooks (their markdown and the outputs nbval holds them to); they do
not execute anything. Each one pins a sentence that was once false: if the text or the code drifts
apart again, it fails.
"""

from __future__ import annotations

import importlib.util
import inspect
import re

import nbformat
import pytest

from conftest import ROOT
from fedlearn_edu.data import dirichlet_partition
from fedlearn_edu.privacy.accountant import epsilon


def _notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / name, as_version=4)


def _markdown(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def _index_of(nb, needle: str, cell_type: str = "code") -> int:
    hits = [i for i, c in enumerate(nb.cells) if c.cell_type == cell_type and needle in c.source]
    assert len(hits) == 1, f"expected one {cell_type} cell containing {needle!r}, found {len(hits)}"
    return hits[0]


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


# --- Lesson 02: the text says "train" only where training runs; why FedAvg shares one start ----------------


L02 = "02_averaging_formula.ipynb"
TRAINING_CALLS = ("backward(", ".step(", "train(", "run_fedavg(")


def test_lesson02_says_clients_train_only_where_the_code_trains():
    nb = _notebook(L02)
    claims = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown" or not re.search(
            r"\b(clients?|workers?|nodes?)\b[^.:;]*\btrains?\b", cell.source
        ):
            continue
        following = []
        for nxt in nb.cells[i + 1 :]:
            if nxt.cell_type != "code":
                break
            following.append(nxt.source)
        if not following:  # prose about the algorithm (e.g. FedAvg's five steps), not about a cell
            continue
        claims += 1
        assert any(call in src for src in following for call in TRAINING_CALLS), (
            f"cell {i} says clients train, but the code cells after it never train:\n{cell.source}"
        )
    assert claims >= 1, "lesson 02 should show clients training (the shared-start experiment)"


def _loss_table(nb) -> dict[str, tuple[float, float, float]]:
    out = _stdout(nb.cells[_index_of(nb, '"same start"')])
    rows = {}
    for name in ("same start", "different starts"):
        match = re.search(rf"^{name}\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", out, re.M)
        assert match, f"no row {name!r} in the stored output:\n{out}"
        rows[name] = tuple(float(v) for v in match.groups())
    return rows


def test_lesson02_shared_start_average_beats_different_starts_in_the_stored_output():
    rows = _loss_table(_notebook(L02))
    *same_clients, same_average = rows["same start"]
    *diff_clients, diff_average = rows["different starts"]
    assert same_average < min(same_clients), rows  # the text: lower than either client's
    assert diff_average > max(diff_clients), rows  # the text: worse than either client
    assert same_average < diff_average, rows


def test_lesson02_numbers_in_the_text_are_the_printed_ones():
    nb = _notebook(L02)
    printed = {f"{v:.3f}" for row in _loss_table(nb).values() for v in row}
    see = nb.cells[_index_of(nb, "from the **same start**", "markdown")].source
    quoted = set(re.findall(r"\b\d\.\d{3}\b", see))
    assert quoted, "the 'what to see' text should quote the measured losses"
    assert quoted <= printed, f"text quotes {sorted(quoted - printed)}, not in the output {sorted(printed)}"


# --- Lesson 04: who proposed the per-label Dirichlet split, and what the code does about small clients ---------


def _dirichlet_text() -> str:
    nb = _notebook("04_fedavg_at_scale.ipynb")
    return nb.cells[_index_of(nb, "### Label skew: Dirichlet", "markdown")].source


def test_lesson04_credits_yurochkin_not_hsu_for_the_per_label_split():
    text = _dirichlet_text()
    assert "Yurochkin" in text
    sentences = re.split(r"(?<=[.!?])\s+", text.replace("et al.", "et al"))  # "et al." ends no sentence
    for sentence in sentences:
        if "Hsu" in sentence:
            assert "each label" not in sentence, f"Hsu et al. credited for the per-label split: {sentence!r}"


def test_lesson04_states_the_minimum_size_rule_the_code_applies():
    text = _dirichlet_text()
    match = re.search(r"fewer than `min_size` examples \(default (\d+)\)", text)
    assert match, "the text should state dirichlet_partition's min_size rule and its default"
    default = inspect.signature(dirichlet_partition).parameters["min_size"].default
    assert int(match.group(1)) == default
    assert "largest" in text and "does not redraw" in text  # the top-up from the largest client, no redraw
    # and that is what the code does: one label, three clients, alpha tiny -> two would be empty
    parts = dirichlet_partition([0] * 30, n_clients=3, alpha=1e-3, seed=0)
    assert sorted(len(p) for p in parts) == [1, 1, 28]


# --- Lesson 06: noise that defeats an attack vs a guarantee; thresholds; delta; accountants ------------------


L06 = "06_privacy_is_not_automatic.ipynb"


def test_lesson06_quotes_the_local_step_error_against_the_printed_threshold():
    nb = _notebook(L06)
    threshold = re.search(
        r"recovered \(error < ([\d.e-]+)\)", _stdout(nb.cells[_index_of(nb, "dlg_ok, idlg_ok")])
    )
    assert threshold, "section 3 should print its 'recovered' threshold"
    i = _index_of(nb, "many_steps = local_update")
    printed = re.search(r"20 local steps, 1 image:\s+error ([\d.e+-]+)", _stdout(nb.cells[i]))
    assert printed, "section 4 should print the 20-local-step error"
    after = nb.cells[i + 1].source
    assert printed.group(1) in after, f"the text after the cell should quote the printed {printed.group(1)}"
    assert threshold.group(1) in after, f"... against the printed threshold {threshold.group(1)}"
    below = float(printed.group(1)) < float(threshold.group(1))
    assert re.search(r"\b(under|below)\b", after) if below else re.search(r"\babove\b", after), after


def test_lesson06_separates_defeating_one_attack_from_a_guarantee():
    nb = _notebook(L06)
    out = _stdout(nb.cells[_index_of(nb, "sigma_section_4 = 0.03")])
    match = re.search(r"epsilon = (\d+)", out)
    assert match, out
    assert int(match.group(1)) == round(epsilon(0.03, sample_rate=1.0, rounds=1, delta=1e-3))
    section4 = nb.cells[_index_of(nb, "per coordinate (the gradient itself has norm 1", "markdown")].source
    assert "ruin" not in section4 and match.group(1) in section4, section4


def test_lesson06_states_delta_correctly_and_uses_the_delta_it_states():
    nb = _notebook(L06)
    text = "\n".join(_markdown(nb))
    assert "except with probability" not in text  # delta is an additive slack, not a failure probability
    assert re.search(r"\\delta < 1/n", text), "state the usual rule delta < 1/n"
    used = {
        float(v) for c in nb.cells if c.cell_type == "code" for v in re.findall(r"delta=([\d.e-]+)", c.source)
    }
    assert used == {1e-3}, used
    assert "\\delta = 10^{-3}" in text
    sizes = {
        int(v)
        for v in re.findall(r"for n_clients in \(([\d, ]+)\)", "".join(c.source for c in nb.cells))[0].split(
            ","
        )
    }
    assert all(1e-3 < 1 / n for n in sizes), sizes


def test_lesson06_mentions_dp_ftrl_where_sampling_is_discussed():
    nb = _notebook(L06)
    cell = nb.cells[_index_of(nb, "privacy amplification by", "markdown")].source
    assert "DP-FTRL" in cell and "Kairouz" in cell


def _accountant_table(nb) -> list[list[str]]:
    cell = nb.cells[_index_of(nb, "| this kit (RDP) |", "markdown")].source
    rows = [line.strip("|").split("|") for line in cell.splitlines() if re.match(r"\|\s*\d", line)]
    assert len(rows) >= 3, cell
    assert re.search(r"dp_accounting` \d+\.\d+", cell), "say which dp_accounting version produced the table"
    return [[field.strip() for field in row] for row in rows]


def test_lesson06_accountant_table_kit_column_is_the_kit():
    for sigma, rounds, kit, *_ in _accountant_table(_notebook(L06)):
        assert f"{epsilon(float(sigma), 0.2, int(rounds), 1e-3):.2f}" == kit, (sigma, rounds, kit)


@pytest.mark.skipif(
    importlib.util.find_spec("dp_accounting") is None, reason="dp_accounting is not installed"
)
def test_lesson06_accountant_table_library_columns():  # pragma: no cover - only where dp_accounting is
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from dp_accounting_compare import library_epsilons

    for sigma, rounds, _, rdp, pld, _ in _accountant_table(_notebook(L06)):
        got = library_epsilons(float(sigma), 0.2, int(rounds), 1e-3)
        assert (f"{got[0]:.2f}", f"{got[1]:.2f}") == (rdp, pld)


# --- Lesson 07: secure aggregation and robust rules; the defender's guess of f -------------------------------


L07 = "07_attacks_on_the_model.ipynb"


def test_lesson07_secure_aggregation_text_does_not_rely_on_honest_clipping():
    nb = _notebook(L07)
    cell = nb.cells[_index_of(nb, "secure aggregation hides each update", "markdown")].source
    assert "malicious" in cell and "honest" in cell, cell  # honest clients clip; a malicious one will not
    assert "only the sum" in cell and "cannot run" in cell, cell  # what that does to the robust rules


def test_lesson07_runs_the_rules_with_a_wrong_guess_of_f():
    nb = _notebook(L07)
    out = _stdout(nb.cells[_index_of(nb, "for f in (1, 2, 4, 8)")])
    true_f = int(re.search(r"true f = (\d+)", out).group(1))
    rows = {
        (name, int(f)): (float(acc), float(trigger))
        for name, f, acc, trigger in re.findall(
            r"^(trimmed mean|Krum)\s+(\d+)\s+([\d.]+)\s+([\d.]+)$", out, re.M
        )
    }
    for name in ("trimmed mean", "Krum"):
        guesses = {f for n, f in rows if n == name}
        assert min(guesses) < true_f < max(guesses) and true_f in guesses, (name, guesses)
    # what the text says: the trimmed mean told too few attackers lets the sign flip through
    assert rows["trimmed mean", 1][0] < rows["trimmed mean", true_f][0] - 0.2, rows
    assert rows["trimmed mean", 1][1] > rows["trimmed mean", true_f][1] + 0.5, rows
    # "with the right guess the rows repeat the table above" (section 4's table, 20% attackers)
    table = _stdout(nb.cells[_index_of(nb, "lines = [f\"{'':<14}")])
    for name, (acc, trigger) in (
        ("trimmed mean", rows["trimmed mean", true_f]),
        ("Krum", rows["Krum", true_f]),
    ):
        line = next(line for line in table.splitlines() if line.startswith(name + " "))
        cells = re.findall(r"[\d.]+(?: \([\d.]+\))?", line[len(name) :])
        sign_flip_20, backdoor_20 = cells[3], cells[5]
        assert sign_flip_20 == f"{acc:.2f}", (name, sign_flip_20, acc)
        assert backdoor_20.endswith(f"({trigger:.2f})"), (name, backdoor_20, trigger)

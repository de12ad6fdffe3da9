"""Decision exercises 02.4, 03.4 and 04.4: each judges a learner's choice by a measured dev number against a trivial
baseline, can fail, and never reads the test split. The measurements are replaced here by small fakes (the real
ones need trained adapters); the notebooks run them for real under nbval."""
import json

import pytest

from llmcourse import domain
from llmcourse.coursework import ExerciseFailed, check, decide02, decide03, decide04
from llmcourse.domain.style import check_style

# ---------------------------------------------------------------- 02.4: curate the training data

@pytest.fixture
def fake_training(monkeypatch):
    """compliance_after_training without a model: compliance = share of clean replies in the training data, and the
    splits it was asked for are recorded."""
    asked = []

    def fake(tickets, name, splits=("dev",)):
        asked.extend(splits)
        clean = sum(not check_style(t["reply"], t["first_name"]) for t in tickets) / len(tickets)
        return {s: clean for s in splits}, {"cached": True, "train_seconds": 0.0}

    monkeypatch.setattr(decide02, "compliance_after_training", fake)
    return asked


def test_the_noisy_set_is_half_sloppy_and_the_heldout_splits_are_disjoint():
    noisy, clean = decide02.noisy_training_set(), domain.load_tickets("train")
    sloppy = sum(a["reply"] != b["reply"] for a, b in zip(noisy, clean))
    assert 0.4 < sloppy / len(noisy) < 0.6 and len(noisy) - sloppy >= decide02.MIN_KEPT
    dev, test = decide02.heldout_split("dev"), decide02.heldout_split("test")
    assert dev and test and not {t["id"] for t in dev} & {t["id"] for t in test}
    assert len(dev) + len(test) == len(domain.load_tickets("heldout"))


def test_keeping_only_valid_replies_passes_and_keeping_everything_fails(fake_training, capsys):
    check("02.4", lambda t: not check_style(t["reply"], t["first_name"]))
    assert "[check] 02.4 passed" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="keep-everything"):
        check("02.4", lambda t: True)  # the trivial baseline does not beat itself
    with pytest.raises(ExerciseFailed, match=f"at least {decide02.MIN_KEPT}"):
        check("02.4", lambda t: t["id"].endswith("1"))  # too few tickets to learn from
    assert set(fake_training) == {"dev"}  # the check never measures the test split


def test_a_measured_compliance_is_kept_on_disk_and_reused(monkeypatch, tmp_path):
    """The same adapter on the same tickets is measured once: a second process (the self-check) reads the number."""
    from types import SimpleNamespace

    from llmcourse import evaluate, models, paths
    from llmcourse import finetune as ft

    calls = []
    monkeypatch.setattr(paths, "CACHE", tmp_path)
    monkeypatch.setattr(models, "load_llm", lambda: SimpleNamespace(name="fake"))
    monkeypatch.setattr(ft, "get_adapter", lambda llm, name, make, settings: (None, {"cached": True}))
    monkeypatch.setattr(ft, "tuned_reply_approach", lambda llm, model: None)
    monkeypatch.setattr(evaluate, "run_eval", lambda *a, **k: calls.append(k["name"]) or SimpleNamespace(
        summary=lambda: {"style_ok": 0.75}))
    tickets = domain.load_tickets("train")[:3]
    first, _ = decide02.compliance_after_training(tickets, "house-style-x", ("dev",))
    decide02._MEASURED.clear()  # a new process
    again, _ = decide02.compliance_after_training(tickets, "house-style-x", ("dev",))
    other, _ = decide02.compliance_after_training(tickets[:2], "house-style-x", ("dev",))
    assert first == again == other == {"dev": 0.75} and len(calls) == 2  # other data: measured anew
    assert len(list((tmp_path / "measured").glob("house-style-x-dev-*.json"))) == 2


# ---------------------------------------------------------------- 03.4: the step budget

def rows_03(success_steps, split="dev"):
    return [{"id": f"t{i}", "split": split, "template": "x", "success": ok, "steps": n}
            for i, (ok, n) in enumerate(success_steps)]


def test_budget_table_replays_traces_under_every_budget():
    rows = rows_03([(True, 2), (True, 3), (False, 6), (False, 2)])
    table = decide03.budget_table(rows, max_steps=6)
    assert table.loc[1, "success"] == 0 and table.loc[2, "success"] == 0.25 and table.loc[3, "success"] == 0.5
    assert table.loc[6, "success"] == 0.5
    assert table.loc[2, "model calls per task"] == 2.0 and table.loc[6, "model calls per task"] == (2 + 3 + 6 + 2) / 4
    assert decide03.cheapest_good_budget(table) == 3


def test_the_budget_check_wants_the_success_without_the_waste(monkeypatch, capsys):
    dev = rows_03([(True, 2), (True, 3), (False, 6), (False, 6)])
    test = rows_03([(True, 6)] * 4, split="test")  # a test split that would reward a big budget: never read
    monkeypatch.setattr(decide03, "task_rows", lambda split=None: {"dev": dev, "test": test}[split])
    check("03.4", lambda: 3)
    assert "[check] 03.4 passed" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="more than 0.02 below the best"):
        check("03.4", lambda: 2)
    with pytest.raises(ExerciseFailed, match="a smaller budget reaches the same success"):
        check("03.4", lambda: 6)
    with pytest.raises(ExerciseFailed, match="expected an int"):
        check("03.4", lambda: 0)


def test_item_rows_record_split_success_and_steps():
    import pandas as pd

    from llmcourse.evaluate import EvalResult

    tasks = domain.load_eval("tasks")[:3]
    ev = EvalResult("x", pd.DataFrame({"id": [t["id"] for t in tasks], "success": [True, False, True],
                                       "steps": [2, 6, 3]}), [])
    rows = decide03.item_rows(tasks, ev)
    assert [r["split"] for r in rows] == [domain.split_of(t["id"]) for t in tasks]
    assert [(r["success"], r["steps"]) for r in rows] == [(True, 2), (False, 6), (True, 3)]
    json.dumps(rows)  # plain types: they go to results/items/


# ---------------------------------------------------------------- 04.4: a text-only router

def rows_04(split="dev"):
    fact = {"no help": 0.0, "RAG": 1.0, "fine-tune": 0.0, "FT + RAG": 1.0, "agent": 0.0, "agent + RAG": 0.0}
    task = {**fact, "RAG": 0.0, "FT + RAG": 0.0, "agent + RAG": 1.0}
    return [{"id": f"m{i}", "split": split, "kind": kind, "question": q, "scores": s} for i, (kind, q, s) in enumerate([
        ("kb_fact", "What does error code E-101 mean?", fact), ("kb_fact", "How far ahead should I book?", fact),
        ("live_task", "Add up all items of order VB-1: what is the sum?", task),
        ("live_task", "Which warehouse holds the most racks?", task)])]


def test_the_router_check_wants_more_than_the_best_single_approach(monkeypatch, capsys):
    monkeypatch.setattr(decide04, "item_scores", lambda split=None: rows_04() if split == "dev" else rows_04("test"))
    assert decide04.single_scores(rows_04()) == {"no help": 0.0, "RAG": 0.5, "fine-tune": 0.0, "FT + RAG": 0.5,
                                                 "agent": 0.0, "agent + RAG": 0.5}
    check("04.4", lambda q: "agent + RAG" if ("order" in q or "warehouse" in q) else "RAG")
    assert "[check] 04.4 passed" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="always 'RAG'"):
        check("04.4", lambda q: "RAG")  # a trivial router ties the baseline: not enough
    with pytest.raises(ExerciseFailed, match="expected one of"):
        check("04.4", lambda q: "rag")


def test_load_items_says_how_to_make_a_missing_file(tmp_path, monkeypatch):
    from llmcourse import results

    monkeypatch.setattr("llmcourse.paths.RESULTS", tmp_path)
    monkeypatch.setattr("llmcourse.paths.ROOT", tmp_path)
    with pytest.raises(FileNotFoundError, match="run solutions/03_agents.ipynb"):
        results.load_items("03_agents")
    results.save_items("03_agents", [{"id": "a"}])
    assert results.load_items("03_agents") == [{"id": "a"}]


def test_the_self_check_gives_the_training_check_its_time():
    from llmcourse.coursework.checks import EXERCISES
    from llmcourse.coursework.selfcheck import EXERCISE_TIMEOUT

    assert EXERCISES["02.4"].seconds > 5 * EXERCISE_TIMEOUT  # it trains an adapter: about a minute on 2 quiet cores
    assert all(EXERCISES[e].seconds == 0 for e in ("03.4", "04.4"))  # they read measured items: instant


@pytest.mark.parametrize("name", ["02_finetuning", "03_agents", "04_combining"])
def test_the_self_check_never_reruns_an_evaluation_for_a_decision(name):
    """The decision checks read measured items or train their own adapter: the cells the self-check runs for a
    learner copy run no evaluation and train nothing of the notebook's own."""
    import nbformat

    from llmcourse.coursework.selfcheck import needed_cells, parse
    from llmcourse.paths import ROOT

    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    needed = [nb.cells[i].source for i in needed_cells(parse(nb))]
    assert any("check(" in s for s in needed)
    heavy = [s.splitlines()[0] for s in needed if any(w in s for w in ("run_eval(", "_adapter(", "get_adapter(", "run_attacks("))]
    assert not heavy, f"the self-check of {name} would run: {heavy}"

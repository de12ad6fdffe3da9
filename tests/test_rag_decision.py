"""Retrieval recipes and exercise 01.5: recipes are validated, scored per split from per-item rows, and the decision
check passes a recipe at least as good as the default on dev, fails a worse one with both dev numbers, and never
looks at test."""
import pandas as pd
import pytest

from llmcourse import domain, rag
from llmcourse.coursework import ExerciseFailed, check, decide01

FUSION_OVER_FACTS = {"chunker": "single facts", "retriever": "hybrid: rank fusion", "k": 1}
DENSE_OVER_FIXED = {"chunker": "fixed 80 words, 20 overlap", "retriever": "dense (MiniLM + FAISS)", "k": 2}


def test_by_split_groups_rows_by_the_split_of_their_id():
    items = domain.load_eval("qa")
    dev = next(it["id"] for it in items if domain.split_of(it["id"]) == "dev")
    test = next(it["id"] for it in items if domain.split_of(it["id"]) == "test")
    rows = [{"id": dev, "hit": 1.0, "words": 10}, {"id": test, "hit": 0.0, "words": 30}]
    table = rag.by_split(rows)
    assert list(table.columns) == ["all", "dev", "test"] and list(table.index) == ["hit", "words"]
    assert table.loc["hit"].tolist() == [0.5, 1.0, 0.0] and table.loc["words", "test"] == 30
    assert rag.scores_with_splits(rows, ["hit"]) == {"hit": 0.5, "words": 20.0, "hit dev": 1.0, "hit test": 0.0}
    assert rag.split_keys(table, {"hit": "hit_rate"}) == {"hit_rate": 0.5, "hit_rate_dev": 1.0, "hit_rate_test": 0.0}


@pytest.mark.parametrize("bad, says", [
    ({"chunker": "single facts", "retriever": "dense (MiniLM + FAISS)"}, "exactly the keys"),
    ({"chunker": "sentences", "retriever": "dense (MiniLM + FAISS)", "k": 1}, "unknown chunker 'sentences'"),
    ({"chunker": "single facts", "retriever": "hybrid", "k": 1}, "unknown retriever 'hybrid'"),
    ({"chunker": "single facts", "retriever": "BM25 (bm25s)", "k": 0}, "an int from 1 to"),
    ({"chunker": "single facts", "retriever": "BM25 (bm25s)", "k": True}, "an int from 1 to"),
])
def test_a_recipe_names_a_chunker_a_retriever_and_k(bad, says):
    with pytest.raises(ValueError, match=says):
        rag.normalize_recipe(bad)
    assert rag.normalize_recipe(lambda: rag.DEFAULT_RECIPE) == rag.DEFAULT_RECIPE
    assert rag.DEFAULT_RECIPE["chunker"] in rag.CHUNKERS and rag.DEFAULT_RECIPE["retriever"] in rag.RETRIEVERS


def test_recipe_rows_score_the_answerable_items_of_the_knowledge_base():
    items = domain.load_eval("qa", split="dev")
    rows = pd.DataFrame(rag.recipe_rows(DENSE_OVER_FIXED, items))
    assert len(rows) == sum(bool(it["doc_ids"]) for it in items)
    assert {"recall@1", "recall@2", "answer in context", "context words"} <= set(rows.columns)
    assert (rows["recall@2"] >= rows["recall@1"]).all() and rows["context words"].max() <= 2 * 80
    assert rag.score_recipe(DENSE_OVER_FIXED, "dev")["recall@1"] == pytest.approx(rows["recall@1"].mean())


def test_compare_recipes_puts_dev_and_test_side_by_side():
    table = rag.compare_recipes({"default": rag.DEFAULT_RECIPE, "mine": FUSION_OVER_FACTS})
    assert list(table.index) == ["default", "mine"]
    assert list(table.columns)[:2] == ["recall@1 dev", "recall@1 test"]
    assert table.loc["default", "recall@1 dev"] == pytest.approx(rag.score_recipe(rag.DEFAULT_RECIPE, "dev")["recall@1"])


def test_the_decision_check_passes_a_recipe_that_matches_the_default_on_dev(capsys, monkeypatch):
    from llmcourse.rag import recipe

    scored, rows = [], recipe.recipe_rows
    monkeypatch.setattr(recipe, "recipe_rows", lambda r, items: scored.extend(items) or rows(r, items))
    check("01.5", lambda: FUSION_OVER_FACTS)
    check("01.5", rag.DEFAULT_RECIPE)  # a tie passes
    out = capsys.readouterr().out
    assert "[check] 01.5 passed" in out and "dev recall@1: your recipe" in out
    assert scored and {domain.split_of(it["id"]) for it in scored} == {"dev"}  # the test split is never looked at


def test_the_decision_check_fails_a_worse_recipe_with_both_dev_numbers():
    mine, default = rag.score_recipe(DENSE_OVER_FIXED, "dev"), rag.score_recipe(rag.DEFAULT_RECIPE, "dev")
    assert mine["recall@1"] < default["recall@1"] - decide01.TIE
    with pytest.raises(ExerciseFailed) as err:
        check("01.5", DENSE_OVER_FIXED)
    assert f"dev recall@1 {mine['recall@1']:.3f}" in str(err.value) and f"{default['recall@1']:.3f}" in str(err.value)
    with pytest.raises(ExerciseFailed, match="unknown retriever"):
        check("01.5", {**FUSION_OVER_FACTS, "retriever": "fusion"})


def test_an_unfinished_recipe_is_not_attempted(capsys):
    def my_recipe():
        raise NotImplementedError("Exercise 01.5")

    with pytest.raises(NotImplementedError):
        check("01.5", my_recipe)
    assert "[check] 01.5 not attempted" in capsys.readouterr().out

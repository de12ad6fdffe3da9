"""Retrieval recipes: a chunker, a retriever and k (how many chunks the reader gets), built over the week-1 knowledge
base and scored per split of the qa set. Exercise 01.5 judges a learner's recipe on the dev split against
`DEFAULT_RECIPE`, the recipe the course's answering pipeline uses (`build_hybrid_index` + `fact_answerer`).

Scores come from per-item rows, so dev and test are the same rows grouped by `domain.split_of` (no extra work)."""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pandas as pd

from ..evaluate import answer_match
from .chunking import CHUNKERS, chunk_all
from .index import BM25Index, DenseIndex, HybridIndex, embed_queries
from .metrics import by_split, doc_ranking, recall_at_k

RETRIEVERS: dict[str, Callable] = {  # name -> retriever(dense, bm25): the retrievers notebook 01 compares
    "dense (MiniLM + FAISS)": lambda dense, bm25: dense,
    "BM25 (bm25s)": lambda dense, bm25: bm25,
    "hybrid: rank fusion": lambda dense, bm25: HybridIndex(dense, bm25, "rrf"),
    "hybrid: weighted scores": lambda dense, bm25: HybridIndex(dense, bm25, "weighted"),
}
DEFAULT_RECIPE = {"chunker": "single facts", "retriever": "hybrid: weighted scores", "k": 1}
MAX_K = 10


def normalize_recipe(recipe) -> dict:
    """The recipe as a dict {"chunker", "retriever", "k"} (a function returning one is called first); raises
    ValueError naming what is wrong and what the choices are."""
    recipe = recipe() if callable(recipe) else recipe
    if not isinstance(recipe, dict) or set(recipe) != {"chunker", "retriever", "k"}:
        raise ValueError(f"a recipe is a dict with exactly the keys 'chunker', 'retriever' and 'k', got {recipe!r}")
    if recipe["chunker"] not in CHUNKERS:
        raise ValueError(f"unknown chunker {recipe['chunker']!r}; choose one of {list(CHUNKERS)}")
    if recipe["retriever"] not in RETRIEVERS:
        raise ValueError(f"unknown retriever {recipe['retriever']!r}; choose one of {list(RETRIEVERS)}")
    k = recipe["k"]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValueError(f"k is the number of chunks the reader gets: an int from 1 to {MAX_K}, got {k!r}")
    return dict(recipe)


def recipe_name(recipe) -> str:
    r = normalize_recipe(recipe)
    return f"{r['chunker']} + {r['retriever']}, k={r['k']}"


@cache
def kb_indexes(chunker: str) -> tuple[DenseIndex, BM25Index]:
    """Dense and BM25 indexes over the week-1 knowledge base for one chunker of `CHUNKERS`, built once per process
    (private to the recipes: notebook 01's own indexes get the week-2 update, these never do)."""
    from ..domain import load_kb

    chunks = chunk_all(load_kb(), CHUNKERS[chunker])
    return DenseIndex(chunks, CHUNKERS[chunker]), BM25Index(chunks)


def recipe_index(recipe):
    """The retriever a recipe describes, over the week-1 knowledge base."""
    r = normalize_recipe(recipe)
    return RETRIEVERS[r["retriever"]](*kb_indexes(r["chunker"]))


def recipe_rows(recipe, items: list[dict]) -> list[dict]:
    """Per answerable item (searched as its own tenant): recall@1, recall@k, whether the gold answer is in the k
    chunks the reader gets, and how many words those chunks are."""
    r = normalize_recipe(recipe)
    index, k = recipe_index(r), r["k"]
    embed_queries([it["question"] for it in _all_questions()])  # the batch notebook 01 embeds: the same vectors
    rows = []
    for it in (it for it in items if it["doc_ids"]):
        hits = index.search(it["question"], max(k, 10), it.get("tenant"))
        ranked, context = doc_ranking(hits), " ".join(c.text for c, _ in hits[:k])
        rows.append({"id": it["id"], "recall@1": recall_at_k(ranked, it["doc_ids"], 1),
                     f"recall@{k}": recall_at_k(ranked, it["doc_ids"], k),
                     "answer in context": float(answer_match(context, it["answer"], it.get("aliases", []))),
                     "context words": len(context.split())})
    return rows


def _all_questions() -> list[dict]:
    """Every qa item in file order: embedding them in this one batch gives the same query vectors as notebook 01."""
    from ..domain import load_eval

    return load_eval("qa")


def score_recipe(recipe, split: str | None = "dev") -> dict:
    """Mean recall@1, answer in context and context words of a recipe on one split of the qa set (None: all)."""
    from ..domain import split_of

    chosen = [it for it in _all_questions() if split is None or split_of(it["id"]) == split]
    return pd.DataFrame(recipe_rows(recipe, chosen)).drop(columns="id").mean().to_dict()


def compare_recipes(recipes: dict, columns=("recall@1", "answer in context", "context words")) -> pd.DataFrame:
    """One row per named recipe; for each measure its dev and test values side by side (test is only scored:
    choose on dev)."""
    items = _all_questions()
    rows = {}
    for name, recipe in recipes.items():
        table = by_split(recipe_rows(recipe, items), list(columns))
        rows[name] = {f"{col} {split}": table.loc[col, split] for col in columns for split in ("dev", "test")}
    return pd.DataFrame(rows).T

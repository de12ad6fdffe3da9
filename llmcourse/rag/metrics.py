"""Retrieval and answer metrics: document rankings, recall@k, MRR, tenant leaks, correctness after an update, and
means of per-item rows per split (dev / test)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..evaluate import answer_match, by_split, strict_match  # by_split: re-exported for rag's callers
from .index import allowed


def fresh_answer_ok(answer: str, item: dict) -> bool:
    """Correct after the week-2 update, strictly: the answer states the new gold value (`strict_match`); for a
    withdrawn fact (no new answer), correct when the answer no longer states the old one."""
    if item.get("answer_after") is None:
        return not answer_match(answer, item["answer"], item.get("aliases", []))
    return strict_match(answer, item["answer_after"], item.get("aliases_after", []), item.get("question", ""))


def doc_ranking(hits) -> list[str]:
    """Document ids in rank order, each once (several chunks may come from one document)."""
    seen = []
    for chunk, _ in hits:
        if chunk.doc_id not in seen:
            seen.append(chunk.doc_id)
    return seen


def recall_at_k(ranked_doc_ids: list[str], gold_ids: list[str], k: int) -> float:
    """1.0 when any gold document is among the first k, else 0.0."""
    return float(bool(set(ranked_doc_ids[:k]) & set(gold_ids)))


def reciprocal_rank(ranked_doc_ids: list[str], gold_ids: list[str]) -> float:
    return next((1.0 / (i + 1) for i, d in enumerate(ranked_doc_ids) if d in gold_ids), 0.0)


def retrieval_table(index, items: list[dict], depth: int = 60) -> list[dict]:
    """Per item: the ranked document ids (searched as the item's own tenant) and its gold ids."""
    return [{"id": it.get("id"), "ranked": doc_ranking(index.search(it["question"], depth, it.get("tenant"))),
             "gold": it["doc_ids"]} for it in items]


def retrieval_scores(index, items: list[dict], ks=(1, 3, 5, 10)) -> dict:
    """Mean recall@k and MRR of an index over qa items that have a gold document."""
    rows = [r for r in retrieval_table(index, items) if r["gold"]]
    out = {f"recall@{k}": float(np.mean([recall_at_k(r["ranked"], r["gold"], k) for r in rows])) for k in ks}
    out["MRR"] = float(np.mean([reciprocal_rank(r["ranked"], r["gold"]) for r in rows]))
    return out


def tenant_leaks(index, items: list[dict], tenants: list[str], k: int = 10) -> int:
    """Chunks of another dealer returned when every item is asked as every tenant (must be 0)."""
    return sum(not allowed(chunk, tenant) for it in items for tenant in tenants
               for chunk, _ in index.search(it["question"], k, tenant))


def retrieval_rows(index, items: list[dict], ks=(1, 3, 5, 10)) -> list[dict]:
    """Per item with a gold document: its id, recall@k for each k and its reciprocal rank (the rows whose means
    `retrieval_scores` reports; group them by split with `by_split`)."""
    return [{"id": r["id"], **{f"recall@{k}": recall_at_k(r["ranked"], r["gold"], k) for k in ks},
             "MRR": reciprocal_rank(r["ranked"], r["gold"])} for r in retrieval_table(index, items) if r["gold"]]


def scores_with_splits(rows, split_measures=("recall@1",)) -> dict:
    """One table row from per-item rows: every measure's mean over all items, then '<measure> dev' and
    '<measure> test' for the measures in `split_measures` (choose on the dev column; test is only reported)."""
    table = by_split(rows)
    out = table["all"].to_dict()
    for m in split_measures:
        out.update({f"{m} dev": table.loc[m, "dev"], f"{m} test": table.loc[m, "test"]})
    return out


def split_keys(table: pd.DataFrame, keys: dict[str, str]) -> dict:
    """Result keys from a `by_split` table: for each measure (row) -> key, `key` (all items), `key_dev`, `key_test`."""
    return {f"{key}{suffix}": float(table.loc[row, split]) for row, key in keys.items()
            for suffix, split in (("", "all"), ("_dev", "dev"), ("_test", "test"))}


def accuracy_by_hit(outputs: list[dict], rows, items: list[dict]) -> pd.DataFrame:
    """Accuracy of a reader's answers split by whether its context held the gold answer (containment): how often it
    is right when retrieval brought the answer, and when it did not. Only the items given count."""
    by_id = {it["id"]: it for it in items}
    held = {o["id"]: answer_match(" ".join(o["context"]), by_id[o["id"]]["answer"], by_id[o["id"]]["aliases"])
            for o in outputs if o["id"] in by_id}
    df = pd.DataFrame(rows)
    df = df[df["id"].isin(held)].assign(**{"answer in context": lambda d: d["id"].map(held)})
    return df.groupby("answer in context")["accurate"].agg(["count", "mean"]).rename(columns={"mean": "accuracy"})

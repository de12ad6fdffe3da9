"""Out of domain: the course's retrieval recipe and reader on documentation nobody here wrote or tuned on.

The corpus is the README that ships inside installed packages (their `importlib.metadata` description), cut into
one document per markdown section; the questions (data/ood/questions.jsonl) were written for it, each with its
answer as the text states it. A question's gold documents are the sections whose text holds its answer, found by
the same containment match the scorer uses, so no document id is typed by hand."""
from __future__ import annotations

import importlib.metadata
import json
import re

from ..domain import DATA_DIR, Doc
from ..evaluate import answer_match

PACKAGES = ("nbval", "peft")  # pinned in requirements.txt: their READMEs do not change under the questions


def _clean(text: str) -> str:
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)  # licence headers and commented-out markup
    return re.sub(r"<[^>]+>", " ", text)  # HTML tags around titles and badges


def package_docs(packages=PACKAGES) -> list[Doc]:
    """One public `Doc` per markdown section of each package's README (the text before the first heading is its
    introduction); a heading inside a code block does not start a section."""
    docs = []
    for package in packages:
        text, fenced, sections = _clean(importlib.metadata.metadata(package).get_payload()), False, [["introduction", []]]
        for line in text.splitlines():
            fenced ^= line.strip().startswith("```")
            if not fenced and re.match(r"#{2,3} \S", line):
                sections.append([line.lstrip("#").strip(), []])
            else:
                sections[-1][1].append(line)
        for n, (heading, lines) in enumerate(sections):
            body = "\n".join(lines).strip()
            if body:
                docs.append(Doc(f"{package}-{n:02d}", f"{package} README - {heading}", "readme", package, "public",
                                "", body))
    return docs


def load_questions(docs: list[Doc]) -> list[dict]:
    """The questions, each with the ids of the sections that state its answer; a clear error when an answer is in
    no section (the package's README changed under its pin)."""
    items = [json.loads(line) for line in (DATA_DIR / "ood" / "questions.jsonl").read_text().splitlines() if line]
    for it in items:
        it["doc_ids"] = [d.id for d in docs if d.product_line == it["package"] and answer_match(d.text, it["answer"], it["aliases"])]
        it["tenant"] = "public"
        if not it["doc_ids"]:
            raise ValueError(f"{it['id']}: no section of the {it['package']} README states {it['answer']!r}; "
                             f"reinstall the version pinned in requirements.txt")
    return items


def recipe_index_over(recipe: dict, docs: list[Doc]):
    """The retriever a recipe describes (`rag.normalize_recipe`), over other documents."""
    from .chunking import CHUNKERS, chunk_all
    from .index import BM25Index, DenseIndex
    from .recipe import RETRIEVERS, normalize_recipe

    r = normalize_recipe(recipe)
    chunks = chunk_all(docs, CHUNKERS[r["chunker"]])
    return RETRIEVERS[r["retriever"]](DenseIndex(chunks, CHUNKERS[r["chunker"]]), BM25Index(chunks))


def measure(llm, recipe: dict, packages=PACKAGES) -> tuple[dict, list]:
    """Retrieval and the course's readers on the package READMEs with the recipe chosen on Voltbird: recall@1 and
    @5, answer accuracy (strict and lenient) of the copy-only reader and of the free reader, and the trivial
    baseline (the top chunk pasted). Returns (numbers, the copy-only reader's `EvalResult` rows to look at)."""
    from ..evaluate import run_eval
    from .answer import fact_answerer, free_answerer, top_chunk_answerer
    from .metrics import retrieval_scores

    docs = package_docs(packages)
    items, index = load_questions(docs), recipe_index_over(recipe, docs)
    numbers = {k: v for k, v in retrieval_scores(index, items).items() if k in ("recall@1", "recall@5")}
    runs = {"copy-only reader": fact_answerer(llm, index), "free reader": free_answerer(llm, index),
            "baseline: top chunk pasted": top_chunk_answerer(index)}
    evals = {name: run_eval(a, items, name=name, batch_size=len(items), progress=False) for name, a in runs.items()}
    for name, ev in evals.items():
        numbers[f"{name}: strict"] = ev.rows["accurate"].mean()
        numbers[f"{name}: lenient"] = ev.rows["accurate_lenient"].mean()
    rows = evals["copy-only reader"].rows.assign(question=[it["question"] for it in items],
                                                 gold=[it["answer"] for it in items])
    return numbers, rows[["question", "gold", "answer", "accurate"]]


# results key (after "ood_") -> measure of `measure`
RESULT_KEYS = {"recall_at_1": "recall@1", "recall_at_5": "recall@5", "reader_accuracy": "copy-only reader: strict",
               "reader_accuracy_lenient": "copy-only reader: lenient", "free_reader_accuracy": "free reader: strict",
               "top_chunk_baseline_accuracy": "baseline: top chunk pasted: strict",
               "top_chunk_baseline_accuracy_lenient": "baseline: top chunk pasted: lenient"}

"""llmcourse.rag on tiny inputs: chunkers, indexes and tenant filter, updates, metrics, citations, copy-only decoding."""
import re

import numpy as np
import pytest

from llmcourse import rag
from llmcourse.domain import Doc

MANUAL = """The Zip Z1 is a folding bike.

## Specifications

| Item | Value |
|---|---|
| Battery | 300 Wh |
| Weight | 15.2 kg |

## Charging

Charge the Zip Z1 for 3 hours. Unplug it when full.
"""


def doc(doc_id, text, title="Zip Z1 manual", tenant="public", **meta):
    return Doc(doc_id, title, "manual", "zip", tenant, "2026-01-01", text, meta=meta)


DOCS = [doc("kb-901", MANUAL),
        doc("kb-902", "## Returns\n\nYou may return a bike within 21 days.", title="Returns"),
        doc("shop-a-1", "## Prices\n\nAt Shop A the Zip Z1 costs €999.", title="Shop A prices", tenant="shop-a"),
        doc("shop-b-1", "## Prices\n\nAt Shop B the Zip Z1 costs €1099.", title="Shop B prices", tenant="shop-b")]


def test_fixed_chunks_overlap_and_cover_every_word():
    d = doc("kb-1", " ".join(f"w{i}" for i in range(10)))
    assert [c.text for c in rag.chunk_fixed(d, 4, 2)] == ["w0 w1 w2 w3", "w2 w3 w4 w5", "w4 w5 w6 w7", "w6 w7 w8 w9"]
    assert [c.text.split()[0] for c in rag.chunk_fixed(d, 4, 0)] == ["w0", "w4", "w8"]
    assert [c.id for c in rag.chunk_fixed(d, 4, 0)] == ["kb-1#0", "kb-1#1", "kb-1#2"]


def test_heading_chunks_keep_sections_whole_with_title():
    chunks = rag.chunk_headings(DOCS[0])
    assert len(chunks) == 3 and all(c.text.startswith("Zip Z1 manual. ") for c in chunks)
    assert "300 Wh" in chunks[1].text and "15.2 kg" in chunks[1].text


def test_facts_write_table_rows_with_their_column_names():
    facts = rag.facts(MANUAL, "Zip Z1 manual")
    assert "Zip Z1 manual - Specifications: Battery: Value 300 Wh." in facts
    assert "Zip Z1 manual - Charging: Unplug it when full." in facts
    assert facts[0] == "Zip Z1 manual: The Zip Z1 is a folding bike."
    assert not any("---" in f or "Item" in f for f in facts)  # the table rule and header are not facts


@pytest.fixture(scope="module")
def dense():
    return rag.build_kb_index(DOCS, rag.chunk_facts)


def test_dense_index_finds_and_filters_by_tenant(dense):
    assert dense.search("How much does the Zip Z1 weigh?", 1)[0][0].text.endswith("15.2 kg.")
    for tenant in (None, "public", "shop-a", "shop-b"):
        hits = dense.search("What does the Zip Z1 cost at the shop?", 20, tenant)
        assert all(rag.allowed(c, tenant) for c, _ in hits)
        assert {c.tenant for c, _ in hits} <= {"public", tenant}
    assert "shop-a-1" in {c.doc_id for c, _ in dense.search("price at Shop A", 20, "shop-a")}
    assert rag.tenant_leaks(dense, [{"question": "price of the Zip Z1"}], ["public", "shop-a", "shop-b"]) == 0


def test_bm25_and_hybrid_rank_the_exact_match_first(dense):
    bm25 = rag.BM25Index(list(dense.chunks.values()))
    assert bm25.search("return within days", 1)[0][0].doc_id == "kb-902"
    for method in ("rrf", "weighted"):
        hybrid = rag.HybridIndex(dense, bm25, method)
        assert hybrid.search("How long may I return a bike?", 1)[0][0].doc_id == "kb-902"
        assert all(c.tenant != "shop-b" for c, _ in hybrid.search("Zip Z1 costs", 20, "shop-a"))


class _Fixed:
    """A stand-in index that returns fixed (chunk, score) hits, to test the fusion arithmetic alone."""

    def __init__(self, hits):
        self.hits, self.chunks = hits, [c for c, _ in hits]

    def search(self, query, k=5, tenant=None):
        return self.hits[:k]


def test_weighted_fusion_lets_a_strong_exact_match_beat_a_slightly_closer_meaning():
    near = rag.Chunk("a#0", "a", "", "public", "Check the serial number under the bottom bracket.")
    exact = rag.Chunk("b#0", "b", "", "public", "Bikes with serial numbers HC2-2405 to HC2-2411 are affected.")
    dense, bm25 = _Fixed([(near, 0.66), (exact, 0.45)]), _Fixed([(exact, 8.0), (near, 0.0)])
    assert rag.HybridIndex(dense, bm25, "weighted", weight=0.2).search("q", 1)[0][0] is near
    hybrid = rag.HybridIndex(dense, bm25, "weighted")  # the default weight
    top = hybrid.search("q", 2)
    assert top[0][0] is exact and np.isclose(top[0][1], 0.45 + hybrid.weight) and np.isclose(top[1][1], 0.66)


def test_apply_update_adds_replaces_and_removes_by_id():
    index = rag.build_hybrid_index(DOCS)
    before = len(index.dense)
    updates = [doc("kb-901", MANUAL.replace("300 Wh", "350 Wh"), action="replace", target="kb-901"),
               doc("kb-902", "", action="remove", target="kb-902"),
               doc("kb-903", "## Recall\n\nThe Zip Z1 latch is recalled.", title="Recall notice", action="add")]
    report = rag.apply_update(index, updates)
    assert (report["docs_replaced"], report["docs_removed"], report["docs_added"]) == (1, 1, 1)
    assert report["chunks_now"] == len(index.dense) == before - report["chunks_removed"] + report["chunks_added"]
    assert "kb-902" not in index.dense.doc_ids() and "kb-903" in index.dense.doc_ids()
    texts = [c.text for c in index.dense.chunks.values()]
    assert any("350 Wh" in t for t in texts) and not any("300 Wh" in t for t in texts)
    assert index.search("Which part is recalled?", 1)[0][0].doc_id == "kb-903"  # BM25 side follows the update


def test_retrieval_metrics():
    assert rag.doc_ranking([(rag.Chunk("a#0", "a", "", "public", ""), 1.0), (rag.Chunk("a#1", "a", "", "public", ""), 0.9),
                            (rag.Chunk("b#0", "b", "", "public", ""), 0.8)]) == ["a", "b"]
    assert rag.recall_at_k(["x", "y", "z"], ["z"], 2) == 0.0 and rag.recall_at_k(["x", "y", "z"], ["z"], 3) == 1.0
    assert rag.reciprocal_rank(["x", "y", "z"], ["y"]) == 0.5 and rag.reciprocal_rank(["x"], ["q"]) == 0.0


def test_citations_parse_and_attribute():
    chunks = [rag.Chunk("a#0", "kb-1", "", "public", "Battery: Value 300 Wh."),
              rag.Chunk("b#0", "kb-2", "", "public", "Returns within 21 days.")]
    assert rag.parse_citations("300 Wh [1], see also [1, 2] and [5]", chunks) == ["kb-1", "kb-2"]
    assert rag.parse_citations("no markers", chunks) == []
    assert rag.attribute("21 days", chunks) == ["kb-2"]
    assert rag.attribute("the battery holds 300 Wh", chunks) == ["kb-1"]
    assert rag.attribute("", chunks) == [] and rag.attribute("21 days", []) == []


def test_fresh_answer_ok_handles_withdrawn_facts():
    changed = {"answer": "€250", "aliases": ["250"], "answer_after": "€300", "aliases_after": ["300"]}
    withdrawn = {"answer": "€250", "aliases": ["250"], "answer_after": None, "aliases_after": []}
    assert rag.fresh_answer_ok("It is €300 now", changed) and not rag.fresh_answer_ok("€250", changed)
    assert rag.fresh_answer_ok("The programme has ended.", withdrawn) and not rag.fresh_answer_ok("€250", withdrawn)


def test_oracle_and_wrong_context(dense):
    chunks = list(dense.chunks.values())
    item = {"id": "q1", "question": "How heavy is the Zip Z1?", "answer": "15.2 kg", "aliases": [], "doc_ids": ["kb-901"]}
    assert rag.oracle_context(item, chunks)[0].text.endswith("15.2 kg.")
    other = {"id": "q2", "question": "Can I return a bike?", "answer": "21 days", "aliases": [], "doc_ids": ["kb-902"]}
    wrong = rag.wrong_context([item, other], dense)
    assert wrong["q1"][0].doc_id != "kb-901" and wrong["q2"][0].doc_id != "kb-902"


def test_word_spans_and_copy_constraint_stop_only_on_word_boundaries(llm):
    tok = llm.tokenizer
    spans = rag.word_spans(tok, "Battery: Value 418 Wh, removable.")
    copy = rag.CopySpan([spans], prompt_len=0, stop_id=tok.eos_token_id)
    start = tok("418", add_special_tokens=False)["input_ids"]
    assert start[0] in copy.allowed(0, [])
    assert tok.eos_token_id not in copy.allowed(0, start[:1])  # "4" is not a whole number
    assert tok.eos_token_id in copy.allowed(0, start)  # "418" is
    assert copy.allowed(0, tok("zebra", add_special_tokens=False)["input_ids"]) == {tok.eos_token_id}


def test_generate_copy_answers_are_runs_of_whole_words_of_their_own_sources(llm):
    chunk_lists = [[rag.Chunk("a#0", "kb-1", "", "public", "Zip Z1 manual - Specifications: Weight: Value 15.2 kg.")],
                   [rag.Chunk("b#0", "kb-2", "", "public", "Returns - Policy: You may return a bike within 21 days.")]]
    questions = ["How heavy is the Zip Z1?", "How long do I have to return a bike?"]
    prompts = [rag.short_answer_prompt(llm, q, ch) for q, ch in zip(questions, chunk_lists)]
    outs = rag.generate_copy(llm, prompts, chunk_lists, max_new_tokens=12)
    assert len(outs) == 2
    for out, (chunk,) in zip(outs, chunk_lists):
        assert out["text"] and out["output_tokens"] > 0 and out["prompt_tokens"] > 0
        # starts at a word start of its own source and ends on a word boundary (a trailing "." may be left off)
        assert re.search(r"(^|\s)" + re.escape(out["text"]) + r"($|[\s,;:!?.])", chunk.text), out["text"]


def test_rag_answerer_copies_from_its_source_and_cites_it(llm, dense):
    items = [{"id": "q1", "question": "How heavy is the Zip Z1?", "tenant": "public"},
             {"id": "q2", "question": "How long should I charge the Zip Z1?", "tenant": "public"}]
    from llmcourse.evaluate import run_eval

    result = run_eval(rag.fact_answerer(llm, dense), items, progress=False)
    outs = result.outputs  # the one log of a run: what the approach returned, in item order
    assert len(outs) == 2 and [o["id"] for o in outs] == ["q1", "q2"]
    for out in outs:
        assert out["answer"] and out["answer"] in " ".join(out["context"])  # copy-only: a span of the source
        assert out["citations"] == out["retrieved"][:1] and not out["cited_by_model"]


def test_short_answer_prompt_shows_every_worked_example_before_the_question(llm):
    chunks = [rag.Chunk("a#0", "kb-1", "", "public", "Zip Z1 manual - Specifications: Weight: Value 15.2 kg.")]
    prompt = rag.short_answer_prompt(llm, "How heavy is the Zip Z1?", chunks)
    positions = [prompt.index(q) for _, q, _ in rag.EXAMPLES] + [prompt.index("How heavy is the Zip Z1?")]
    assert positions == sorted(positions) and all(a in prompt for _, _, a in rag.EXAMPLES)
    assert all("Voltbird" not in s + q + a for s, q, a in rag.EXAMPLES)  # examples leak nothing about the domain


def test_fact_answerer_has_room_to_copy_a_long_value_and_takes_a_given_context(llm):
    fact = "Recall - What is affected: The bolt can loosen on bikes with frame serial numbers HC2-2405 to HC2-2411."
    body = fact.split(": ", 1)[1]
    assert len(llm.tokenizer(body, add_special_tokens=False)["input_ids"]) <= rag.FACT_MAX_NEW_TOKENS
    chunk = rag.Chunk("r#0", "kb-990", "", "public", fact)
    approach = rag.fact_answerer(llm, None, context=lambda it: [chunk])
    out = approach([{"id": "q1", "question": "Which serial numbers are affected?", "tenant": "public"}])[0]
    assert out["retrieved"] == ["kb-990"] and out["answer"] in fact and out["citations"] == ["kb-990"]


def test_faiss_benchmark_recall_and_speed_fields():
    rows = rag.faiss_benchmark(2000, dim=32, n_queries=20)
    assert {r["method"] for r in rows} == {"NumPy brute force", "FAISS Flat", "FAISS IVF", "FAISS HNSW"}
    flat = next(r for r in rows if r["method"] == "FAISS Flat")
    assert flat["recall@10"] == 1.0 and flat["memory_mb"] > 0
    best = rag.fastest_at_recall(rows, 0.9)
    assert best["recall@10"] >= 0.9 and best["method"] != "NumPy brute force"
    assert np.isclose(rows[0]["speedup_vs_numpy"], 1.0)


def test_accuracy_by_hit_splits_on_whether_the_context_held_the_answer():
    items = [{"id": "a", "answer": "300 Wh", "aliases": []}, {"id": "b", "answer": "15.2 kg", "aliases": []},
             {"id": "c", "answer": "7 days", "aliases": []}]
    outputs = [{"id": "a", "context": ["Battery: 300 Wh"]}, {"id": "b", "context": ["Battery: 300 Wh"]},
               {"id": "c", "context": ["nothing"]}, {"id": "z", "context": ["ignored"]}]
    rows = [{"id": "a", "accurate": True}, {"id": "b", "accurate": True}, {"id": "c", "accurate": False}]
    table = rag.accuracy_by_hit(outputs, rows, items)
    assert table.loc[True, "count"] == 1 and table.loc[True, "accuracy"] == 1.0
    assert table.loc[False, "count"] == 2 and table.loc[False, "accuracy"] == 0.5


def test_rag_prompt_puts_examples_before_the_question(llm):
    chunk = rag.Chunk("kb-001#0", "kb-001", "Manual", "public", "Battery: 300 Wh")
    plain = rag.rag_prompt(llm, "How big?", [chunk])
    with_examples = rag.rag_prompt(llm, "How big?", [chunk], examples=[("[1] Weight: 15 kg", "How heavy?", "15 kg")])
    assert "How heavy?" in with_examples and "How heavy?" not in plain
    assert with_examples.index("15 kg") < with_examples.index("How big?")


def test_free_answerer_is_the_same_recipe_without_the_copy_constraint(monkeypatch, llm):
    """Same prompt, same context and token budget as `fact_answerer`; only the copy-only decoding is off."""
    from llmcourse.rag import answer as A

    seen = []
    real = A.rag_answerer
    monkeypatch.setattr(A, "rag_answerer", lambda *a, **k: seen.append(k) or real(*a, **k))
    chunk = rag.Chunk("r#0", "kb-990", "", "public", "Battery: the Zip Z1 stores 300 Wh.")
    for make in (A.fact_answerer, A.free_answerer):
        out = make(llm, None, context=lambda it: [chunk])([{"id": "q1", "question": "How big is the battery?"}])[0]
        assert out["retrieved"] == ["kb-990"]
    copy, free = seen
    assert copy.pop("copy_only") is True and free.pop("copy_only") is False and copy.keys() == free.keys()
    assert copy["prompt"] is free["prompt"] is A.short_answer_prompt and copy["max_new_tokens"] == free["max_new_tokens"]


def test_citation_shares_keep_the_models_choice_apart_from_attribution():
    items = [{"doc_ids": ["kb-1"]}, {"doc_ids": ["kb-2"]}, {"doc_ids": ["kb-3"]}]
    outputs = [{"answer": "19.8 kg [2]", "retrieved": ["kb-9", "kb-1", "kb-8"], "context": ["a 5 kg", "b 19.8 kg", "c 7 kg"]},
               {"answer": "€149 [2]", "retrieved": ["kb-2", "kb-7", "kb-8"], "context": ["x €99", "y €149", "z"]},
               {"answer": "30 days", "retrieved": ["kb-3", "kb-4", "kb-5"], "context": ["30 days", "14 days", "7 days"]}]
    shares = rag.citation_shares(outputs, items)
    assert shares["answers_citing"] == pytest.approx(2 / 3)  # the third names no source
    assert shares["citations_right"] == 0.5  # [2] is gold in the first, a distractor in the second
    assert shares["attribution_right"] == pytest.approx(2 / 3)  # the words of the second come from the distractor
    assert shares["gold_among_sources"] == 1.0 and shares["always_first_right"] == pytest.approx(2 / 3)


def test_distinct_sources_come_from_different_documents():
    facts = rag.build_hybrid_index()
    item = {"question": "How heavy is the Metro S2?", "tenant": "public"}
    chunks = rag.distinct_sources(facts, k=3)(item)
    assert len(chunks) == 3 and len({c.doc_id for c in chunks}) == 3

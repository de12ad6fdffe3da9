"""Checkers for the exercises of notebook 04 (combining)."""
from __future__ import annotations

import itertools

from ..domain.evalsets import FRAMEWORK_KEYS
from .checks import exercise, expect


@exercise("04.1", "the agent's knowledge-base tool",
          "Search `kb_index` for the query with k results and tenant=None (public documents only), and return "
          "[(chunk.doc_id, chunk.text) for chunk, score in hits]; raise ValueError for an empty query.")
def _check_04_1(kb_search):
    hits = kb_search("How many days do I have to return a bike after delivery?")
    expect(isinstance(hits, list) and len(hits) >= 1, "kb_search must return a non-empty list of (doc_id, text) pairs")
    expect(all(isinstance(h, tuple) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in hits),
           f"every hit must be a (doc_id, text) tuple of strings, got {hits[:1]!r}")
    expect(any("return" in text.lower() for _, text in hits), "a question on returns should find the returns policy")
    dealer = kb_search("Roue Libre opening days and Pedalhaus test rides")
    expect(all(doc_id.startswith(("kb-", "upd-")) for doc_id, _ in dealer),
           f"the agent's tool must only see public documents, got {[d for d, _ in dealer]}")
    try:
        kb_search("")
    except ValueError:
        pass
    else:
        raise AssertionError("an empty query must raise ValueError (tools validate their arguments)")


def _expected(q: dict) -> str:
    grounded = q["knowledge_changes_weekly"] or q["needs_citations"]
    if q["multistep_live_data"]:
        return "agent + RAG" if grounded else "agent"
    if q["behaviour_change"]:
        return "FT + RAG" if grounded else "fine-tune"
    return "RAG"


@exercise("04.2", "the five-question framework as a function",
          "Ask in this order: multi-step with live data -> an agent (with RAG as its tool when knowledge changes or "
          "citations are needed); behaviour change -> a fine-tune (with RAG under the same condition); otherwise RAG "
          "(also when every answer is 'no': start simple). Question 5 never overrides a need.")
def _check_04_2(recommend):
    for values in itertools.product([False, True], repeat=len(FRAMEWORK_KEYS)):
        q = dict(zip(FRAMEWORK_KEYS, values))
        got, want = recommend(dict(q)), _expected(q)
        expect(got == want, f"recommend({q}) returned {got!r}, expected {want!r}")


@exercise("04.3", "pick the measured winner of an item",
          "best = max(scores.values()); return None when best <= 0; else, among the approaches scoring `best`, "
          "the one with the smallest cost[name].")
def _check_04_3(winner):
    cost = {"RAG": 1.0, "fine-tune": 0.5, "agent": 4.0}
    cases = [({"RAG": 1.0, "fine-tune": 0.0, "agent": 1.0}, "RAG"), ({"RAG": 1.0, "fine-tune": 1.0, "agent": 1.0}, "fine-tune"),
             ({"RAG": 0.0, "fine-tune": 0.0, "agent": 1.0}, "agent"), ({"RAG": 0.0, "fine-tune": 0.0, "agent": 0.0}, None),
             ({"RAG": 0.5, "fine-tune": 0.0, "agent": 1.0}, "agent")]
    for scores, want in cases:
        got = winner(dict(scores), cost)
        expect(got == want, f"winner({scores}, cost) returned {got!r}, expected {want!r}")

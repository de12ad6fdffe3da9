"""Checkers for the exercises of notebook 04 (combining)."""
from __future__ import annotations

import itertools

from ..domain.mixed import FRAMEWORK_KEYS
from ..framework import RELIABILITY_BAR
from .checks import exercise, expect


@exercise("04.1", "the agent's knowledge-base tool",
          "Return the `k` best passages of `kb_index` for `query`, public documents only, as a list of "
          "(doc_id, text) pairs of strings; raise ValueError when the query is empty or blank.",
          hints=("Validate first: a tool checks its argument and raises a clear error before doing any work. A query "
                 "made only of spaces counts as empty.",
                 "kb_index.search(query, k, tenant=None) returns (chunk, score) pairs, best first; tenant=None limits "
                 "the search to the public documents.",
                 "Every chunk has .doc_id and .text: build the list with a comprehension over the hits that drops the "
                 "score."))
def _check_04_1(kb_search):
    query = "How many days do I have to return a bike after delivery?"
    hits = kb_search(query)
    expect(isinstance(hits, list) and len(hits) >= 1,
           f"kb_search({query!r}) returned {hits!r}, expected a non-empty list of (doc_id, text) pairs")
    expect(all(isinstance(h, tuple) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in hits),
           f"kb_search({query!r}) returned {hits[:1]!r}..., expected (doc_id, text) tuples of strings")
    expect(any("return" in text.lower() for _, text in hits),
           f"kb_search({query!r}) found {[d for d, _ in hits]}, expected the returns policy (a text about returns)")
    query = "Roue Libre opening days and Pedalhaus test rides"
    dealer = kb_search(query)
    expect(all(doc_id.startswith(("kb-", "upd-")) for doc_id, _ in dealer),
           f"kb_search({query!r}) found {[d for d, _ in dealer]}, expected public documents only (kb-..., upd-...)")
    try:
        got = kb_search("")
    except ValueError:
        return
    raise AssertionError(f"kb_search('') returned {got!r}, expected ValueError (tools validate their arguments)")


def _expected(q: dict, reliability: dict) -> str:
    grounded = q["knowledge_changes_weekly"] or q["needs_citations"]
    if q["multistep_live_data"]:
        choice = "agent + RAG" if grounded else "agent"
    elif q["behaviour_change"]:
        choice = "FT + RAG" if grounded else "fine-tune"
    else:
        choice = "RAG"
    if q["reliability_over_capability"] and reliability[choice] < RELIABILITY_BAR:
        return "fine-tune" if q["behaviour_change"] else "RAG"
    return choice


@exercise("04.2", "the five-question framework as a function",
          "Return one of 'RAG', 'fine-tune', 'FT + RAG', 'agent', 'agent + RAG' for the framework answers in `q` "
          f"(a dict of booleans with the keys {', '.join(FRAMEWORK_KEYS)}) and the measured `reliability` "
          "(approach -> dev success), following the reading in the markdown above.",
          hints=("Questions 1 and 2 (knowledge that changes weekly, citations needed) lead to the same need: retrieval. "
                 "Compute that need once, as one boolean.",
                 "Questions 1-4 first: multi-step work on live data (an agent), else a behaviour change (a fine-tune), "
                 "each with ' + RAG' (written 'agent + RAG', 'FT + RAG') when retrieval is needed; else 'RAG'. Keep "
                 "that choice in a variable instead of returning it.",
                 "Then question 5: when q['reliability_over_capability'] is true and reliability[choice] is below "
                 "fw.RELIABILITY_BAR, return 'fine-tune' if the behaviour must change, else 'RAG'. Otherwise return "
                 "the choice."))
def _check_04_2(recommend):
    from ..combine import APPROACHES

    trusted = dict.fromkeys(APPROACHES, 1.0)
    shaky = {**trusted, "agent + RAG": RELIABILITY_BAR - 0.3, "FT + RAG": 0.0, "RAG": RELIABILITY_BAR}
    for reliability in (trusted, shaky):
        for values in itertools.product([False, True], repeat=len(FRAMEWORK_KEYS)):
            q = dict(zip(FRAMEWORK_KEYS, values))
            got, want = recommend(dict(q), dict(reliability)), _expected(q, reliability)
            expect(got == want, f"recommend({q}, reliability={reliability}) returned {got!r}, expected {want!r}")

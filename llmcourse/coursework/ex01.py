"""Checkers for the exercises of notebook 01 (RAG)."""
from __future__ import annotations

from .checks import exercise, expect


@exercise("01.1", "split words into overlapping windows",
          "Return the chunks of `text` as a list of strings: windows of `size` words joined by single spaces, "
          "consecutive windows sharing `overlap` words, the last window being the first one that reaches the last word.",
          hints=("Work on the list of words, not on characters. A new window starts every `step` words, where step is "
                 "the window size minus the overlap.",
                 "Slicing past the end of a list is safe (a slice of 4 from position 8 of 10 words gives 2 words). Build "
                 "the start positions with range(0, stop, step); the question is the stop: no window may lie entirely "
                 "inside the previous one, and a text shorter than one window still gives one chunk.",
                 "Stop the range at len(words) - overlap, but at least at 1; then join each slice "
                 "words[start:start + size] with ' '."))
def _check_01_1(chunk_words):
    text = "a b c d e f g h i j"
    cases = [(text, 4, 0, ["a b c d", "e f g h", "i j"]),
             (text, 4, 2, ["a b c d", "c d e f", "e f g h", "g h i j"]),
             ("a b c", 5, 1, ["a b c"]),
             (text, 5, 1, ["a b c d e", "e f g h i", "i j"])]
    for txt, size, overlap, want in cases:
        got = chunk_words(txt, size, overlap)
        expect(list(got) == want, f"chunk_words({txt!r}, {size}, {overlap}) returned {got}, expected {want}")


@exercise("01.2", "recall@k of a ranking",
          "Return 1.0 when at least one id of `gold_ids` is among the first `k` ids of `ranked_doc_ids`, else 0.0 "
          "(a float).",
          hints=("Only the top k of the ranking count. A list slice gives them, even when k is larger than the list.",
                 "any(...) over the top k ids tells whether one of them is a gold id.",
                 "float(True) is 1.0 and float(False) is 0.0: wrap the any(...) in float()."))
def _check_01_2(recall_at_k):
    ranked = ["kb-003", "kb-001", "kb-007", "kb-002"]
    cases = [(ranked, ["kb-001"], 1, 0.0), (ranked, ["kb-001"], 2, 1.0), (ranked, ["kb-009"], 4, 0.0),
             (ranked, ["kb-002", "kb-003"], 1, 1.0), ([], ["kb-001"], 5, 0.0), (ranked, ["kb-002"], 10, 1.0)]
    for r, gold, k, want in cases:
        got = recall_at_k(r, gold, k)
        expect(float(got) == want, f"recall_at_k({r}, {gold}, {k}) returned {got}, expected {want}")


@exercise("01.3", "reciprocal rank fusion",
          "Return every id found in `rankings` (a list of ranked id lists), best first by its fused score: each "
          "ranking that holds the id adds 1 / (k0 + its rank), rank 1 being the first place.",
          hints=("Keep a dict id -> running total, and visit every position of every ranking once.",
                 "enumerate(ranking, start=1) gives (rank, id) pairs with rank starting at 1; dict.get(id, 0.0) gives "
                 "the total so far, also for an id not seen yet.",
                 "sorted(totals, key=totals.get, reverse=True) returns the ids of the dict, highest total first."))
def _check_01_3(rrf):
    cases = [([["a", "b", "c"], ["c", "a", "d"]], 60, ["a", "c", "b", "d"]),
             ([["x", "y"], ["y", "z"], ["y"]], 1, ["y", "x", "z"]),
             ([["p"]], 60, ["p"])]
    for rankings, k0, want in cases:
        got = rrf([list(r) for r in rankings], k0=k0)
        expect(list(got) == want, f"rrf({rankings}, k0={k0}) returned {got}, expected {want}")


@exercise("01.4", "parse [n] citations",
          "Return the sorted list of unique ids of `source_ids` that `answer` cites: a marker [n] or [n, m] cites the "
          "n-th (and m-th) id, counting from 1; a number that points to no id is ignored.",
          hints=("Two steps: find the bracket groups that hold only digits, commas and spaces, then read the numbers "
                 "inside each group. The `re` module is imported for you.",
                 "re.findall with one capturing group returns the group's text only: a pattern for '[' then one or more "
                 "digits, commas or spaces then ']' gives strings like '1, 3'; a second re.findall for runs of digits "
                 "reads the numbers of one group.",
                 "Collect int(n) in a set, keep those with 1 <= n <= len(source_ids), map n to source_ids[n - 1] "
                 "(the list counts from 0) and return sorted() of the set of ids."))
def _check_01_4(cited_docs):
    ids = ["kb-004", "kb-015", "kb-017"]
    cases = [("It costs €3299 [1].", ids, ["kb-004"]), ("Three years [2][3].", ids, ["kb-015", "kb-017"]),
             ("See [1, 3] and [1].", ids, ["kb-004", "kb-017"]), ("No citation here.", ids, []),
             ("Out of range [7] and [0].", ids, []), ("Mixed [4] [2]", ids, ["kb-015"])]
    for answer, src, want in cases:
        got = cited_docs(answer, src)
        expect(list(got) == want, f"cited_docs({answer!r}, {src}) returned {got}, expected {want}")

"""Checkers for the exercises of notebook 01 (RAG)."""
from __future__ import annotations

from .checks import exercise, expect


@exercise("01.1", "split words into overlapping windows",
          "Split the text into words; start a window every size - overlap words; stop once a window reaches the "
          "last word (range(0, max(1, len(words) - overlap), step)); join each window's words with spaces.")
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
          "Look only at ranked_doc_ids[:k]; return 1.0 if any of them is in gold_ids, else 0.0.")
def _check_01_2(recall_at_k):
    ranked = ["kb-003", "kb-001", "kb-007", "kb-002"]
    cases = [(ranked, ["kb-001"], 1, 0.0), (ranked, ["kb-001"], 2, 1.0), (ranked, ["kb-009"], 4, 0.0),
             (ranked, ["kb-002", "kb-003"], 1, 1.0), ([], ["kb-001"], 5, 0.0), (ranked, ["kb-002"], 10, 1.0)]
    for r, gold, k, want in cases:
        got = recall_at_k(r, gold, k)
        expect(float(got) == want, f"recall_at_k({r}, {gold}, {k}) returned {got}, expected {want}")


@exercise("01.3", "reciprocal rank fusion",
          "For every id in every ranking add 1 / (k0 + rank) with rank starting at 1; return the ids sorted by "
          "their total, highest first.")
def _check_01_3(rrf):
    got = rrf([["a", "b", "c"], ["c", "a", "d"]], k0=60)
    expect(list(got) == ["a", "c", "b", "d"], f"rrf([[a, b, c], [c, a, d]]) returned {got}, expected [a, c, b, d]")
    got = rrf([["x", "y"], ["y", "z"], ["y"]], k0=1)
    expect(list(got) == ["y", "x", "z"], f"with k0=1, rrf([[x, y], [y, z], [y]]) returned {got}, expected [y, x, z]")
    got = rrf([["p"]], k0=60)
    expect(list(got) == ["p"], f"a single ranking should come back unchanged, got {got}")


@exercise("01.4", "parse [n] citations",
          "Find every bracket group with re.findall(r'\\[([\\d,\\s]+)\\]', answer), read the numbers in each group, keep "
          "those between 1 and len(source_ids), map n to source_ids[n - 1], return the sorted unique ids.")
def _check_01_4(cited_docs):
    ids = ["kb-004", "kb-015", "kb-017"]
    cases = [("It costs €3299 [1].", ids, ["kb-004"]), ("Three years [2][3].", ids, ["kb-015", "kb-017"]),
             ("See [1, 3] and [1].", ids, ["kb-004", "kb-017"]), ("No citation here.", ids, []),
             ("Out of range [7] and [0].", ids, []), ("Mixed [4] [2]", ids, ["kb-015"])]
    for answer, src, want in cases:
        got = cited_docs(answer, src)
        expect(list(got) == want, f"cited_docs({answer!r}, {src}) returned {got}, expected {want}")

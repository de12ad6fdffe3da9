"""Retrieval indexes over chunks, all with one `search(query, k, tenant)` signature and one tenant rule (public
docs for everyone, a dealer's only for that dealer): `DenseIndex` (MiniLM + FAISS), `BM25Index` (bm25s) and
`HybridIndex` (rank or weighted-score fusion of the two); `build_kb_index` / `build_hybrid_index` build them over
the knowledge base and `apply_update` applies the week-2 update by document id without a rebuild."""
from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ..models import embed
from .chunking import Chunk, chunk_all, chunk_facts, chunk_headings

_QUERY_VECTORS: dict[str, np.ndarray] = {}  # query text -> embedding (answer.latency_breakdown fills it too)


def embed_queries(texts: list[str]) -> np.ndarray:
    """Embeddings of query texts, computed once per distinct text (one batch for all new ones) and cached,
    so evaluating many indexes on the same questions embeds each question only once."""
    missing = [t for t in dict.fromkeys(texts) if t not in _QUERY_VECTORS]
    if missing:
        _QUERY_VECTORS.update(zip(missing, embed(missing)))
    return np.stack([_QUERY_VECTORS[t] for t in texts])


def allowed(chunk: Chunk, tenant: str | None) -> bool:
    """Public chunks are for everyone; a dealer's chunks only for that dealer."""
    return chunk.tenant == "public" or (tenant is not None and chunk.tenant == tenant)


class DenseIndex:
    """MiniLM embeddings in a FAISS inner-product index with stable integer ids, so chunks can be
    added and removed one by one (no full rebuild when the knowledge base changes). The tenant filter
    runs inside the FAISS search (an id selector), so a dealer's chunks never reach another tenant."""

    def __init__(self, chunks: list[Chunk] = (), chunker: Callable = chunk_headings):
        import faiss

        self.chunker = chunker  # how documents added later (apply_update) are chunked
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(embed(["dimension probe"]).shape[1]))
        self.chunks: dict[int, Chunk] = {}
        self._next, self._allowed_ids = 0, {}  # tenant -> ids it may see (cleared on every change)
        self.add(list(chunks))

    def __len__(self) -> int:
        return len(self.chunks)

    def doc_ids(self) -> set[str]:
        return {c.doc_id for c in self.chunks.values()}

    def add(self, chunks: list[Chunk]) -> None:
        if not chunks:
            return
        ids = np.arange(self._next, self._next + len(chunks), dtype="int64")
        self._next += len(chunks)
        self._allowed_ids.clear()
        self.index.add_with_ids(embed([c.text for c in chunks]), ids)
        self.chunks.update(zip(ids.tolist(), chunks))

    def remove_doc(self, doc_id: str) -> int:
        """Drop every chunk of one document; returns how many were removed."""
        ids = [i for i, c in self.chunks.items() if c.doc_id == doc_id]
        self.index.remove_ids(np.array(ids, dtype="int64"))
        self._allowed_ids.clear()
        for i in ids:
            del self.chunks[i]
        return len(ids)

    def search(self, query: str, k: int = 5, tenant: str | None = None, vector=None) -> list[tuple[Chunk, float]]:
        """The k best chunks the tenant may see, with their cosine similarity, best first."""
        import faiss

        if tenant not in self._allowed_ids:
            self._allowed_ids[tenant] = np.array([i for i, c in self.chunks.items() if allowed(c, tenant)], "int64")
        ok = self._allowed_ids[tenant]
        if len(ok) == 0:
            return []
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ok))  # filter inside the search
        qv = embed_queries([query]) if vector is None else np.asarray(vector, dtype="float32").reshape(1, -1)
        scores, ids = self.index.search(qv, min(k, len(ok)), params=params)
        return [(self.chunks[int(i)], float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]


class BM25Index:
    """Lexical retrieval with BM25 (the bm25s library), with the same tenant filter."""

    def __init__(self, chunks: list[Chunk]):
        import bm25s

        self.chunks = list(chunks)
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize([c.text for c in self.chunks], stopwords="en", show_progress=False),
                             show_progress=False)

    def search(self, query: str, k: int = 5, tenant: str | None = None) -> list[tuple[Chunk, float]]:
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        docs, scores = self.retriever.retrieve(tokens, k=len(self.chunks), show_progress=False)
        hits = [(self.chunks[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]
        return [h for h in hits if allowed(h[0], tenant)][:k]


class HybridIndex:
    """Dense and BM25 rankings fused into one. method="rrf": reciprocal rank fusion, score = sum of
    1 / (k0 + rank) (needs no tuning); method="weighted": cosine similarity + weight * BM25 / (best BM25 score
    of the query), a convex-style score fusion that keeps how *much* better one chunk is, not just its rank.
    weight=0.4 lets an exact match of a rare string (a serial number, an error code) outrank a chunk that is only
    a little closer in meaning: on the week-1 questions it puts the answer in the top chunk as often as 0.2 does,
    and after the week-2 update it also finds the recall's serial-number range, which 0.2 ranks second."""

    def __init__(self, dense: DenseIndex, bm25: BM25Index, method: str = "rrf", k0: int = 60, weight: float = 0.4):
        self.dense, self.bm25, self.method, self.k0, self.weight = dense, bm25, method, k0, weight

    def search(self, query: str, k: int = 5, tenant: str | None = None) -> list[tuple[Chunk, float]]:
        depth = len(self.bm25.chunks)  # small knowledge bases: score every chunk the tenant may see
        dense, lexical = self.dense.search(query, depth, tenant), self.bm25.search(query, depth, tenant)
        fused: dict[str, list] = {}
        if self.method == "rrf":
            for ranking in (dense, lexical):
                for rank, (chunk, _) in enumerate(ranking):
                    fused.setdefault(chunk.id, [chunk, 0.0])[1] += 1.0 / (self.k0 + rank + 1)
        else:
            best = max((s for _, s in lexical), default=1.0) or 1.0
            for chunk, s in dense:
                fused[chunk.id] = [chunk, s]
            for chunk, s in lexical:
                fused.setdefault(chunk.id, [chunk, 0.0])[1] += self.weight * s / best
        return [tuple(e) for e in sorted(fused.values(), key=lambda e: -e[1])[:k]]


def build_kb_index(docs=None, chunker: Callable = chunk_headings) -> DenseIndex:
    """The default knowledge-base index: every week-1 doc (public and dealers') chunked and embedded."""
    if docs is None:
        from ..domain import load_kb

        docs = load_kb()
    return DenseIndex(chunk_all(docs, chunker), chunker=chunker)


def build_hybrid_index(docs=None, chunker: Callable = chunk_facts, method: str = "weighted") -> HybridIndex:
    """Notebook 01's best retriever for answering: single facts, dense + BM25 with weighted score fusion."""
    dense = build_kb_index(docs, chunker)
    return HybridIndex(dense, BM25Index(list(dense.chunks.values())), method)


def apply_update(index, update_docs) -> dict:
    """Apply update docs in place (meta 'action': add, replace or remove; 'target' for the last two): only the
    chunks of the documents concerned are removed from FAISS by id or embedded and added. For a HybridIndex the
    BM25 side, which has no incremental update, is re-indexed from the dense side's chunks (milliseconds).
    Returns what changed and the seconds it took."""
    t0 = time.perf_counter()
    dense = index.dense if isinstance(index, HybridIndex) else index
    counts = {"docs_added": 0, "docs_replaced": 0, "docs_removed": 0, "chunks_added": 0, "chunks_removed": 0}
    for doc in update_docs:
        action = doc.meta.get("action", "add")
        if action in ("replace", "remove"):
            counts["chunks_removed"] += dense.remove_doc(doc.meta["target"])
        if action in ("add", "replace"):
            new = dense.chunker(doc)
            dense.add(new)
            counts["chunks_added"] += len(new)
        counts[{"add": "docs_added", "replace": "docs_replaced", "remove": "docs_removed"}[action]] += 1
    if isinstance(index, HybridIndex):
        index.bm25 = BM25Index(list(dense.chunks.values()))
    return {**counts, "chunks_now": len(dense), "seconds": time.perf_counter() - t0}

"""Retrieval-augmented generation: chunking, dense/lexical/hybrid retrieval, tenant filters, grounded answers.

Notebooks 01, 03 (KB search tool) and 04 (fine-tuned model + RAG) all use this module. The pieces:

- chunkers turn a `domain.Doc` into `Chunk`s (fixed windows, markdown sections, sentences, single facts);
- `DenseIndex` (MiniLM + FAISS), `BM25Index` (bm25s) and `HybridIndex` (rank or weighted-score fusion) share one
  `search(query, k, tenant)` signature and the same tenant rule (public docs for all, a dealer's only for it);
- `build_kb_index` / `build_hybrid_index` build indexes over the knowledge base, `apply_update` applies the week-2
  update by document id without a rebuild;
- `rag_prompt` / `short_answer_prompt`, `generate_copy` (copy-only decoding), `parse_citations`, `attribute` and
  `rag_answerer` turn retrieved chunks into a grounded answer with cited document ids, as an approach for
  `evaluate.run_eval`; `fact_answerer` is notebook 01's best recipe for the 135M model;
- `faiss_benchmark` compares NumPy brute force with FAISS Flat, IVF and HNSW on synthetic vectors.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .evaluate import answer_match
from .models import LLM, embed, generate


@dataclass
class Chunk:
    id: str  # "<doc id>#<n>"
    doc_id: str
    title: str
    tenant: str
    text: str


# ---------------------------------------------------------------- chunking

def _words(text: str) -> list[str]:
    return text.split()


def chunk_fixed(doc, size: int = 80, overlap: int = 0) -> list[Chunk]:
    """Windows of `size` words, each starting `size - overlap` words after the previous one."""
    words, step = _words(doc.text), max(1, size - overlap)
    starts = range(0, max(1, len(words) - overlap), step)
    return [Chunk(f"{doc.id}#{i}", doc.id, doc.title, doc.tenant, " ".join(words[s:s + size]))
            for i, s in enumerate(starts)]


def split_sections(text: str) -> list[str]:
    """Markdown sections: a new one starts at every heading line."""
    sections, current = [], []
    for line in text.splitlines():
        if line.startswith("#") and current:
            sections.append("\n".join(current).strip())
            current = []
        current.append(line)
    sections.append("\n".join(current).strip())
    return [s for s in sections if s]


def chunk_headings(doc, max_words: int = 200) -> list[Chunk]:
    """One chunk per markdown section, prefixed with the document title (long sections are split)."""
    chunks = []
    for section in split_sections(doc.text):
        words = _words(section)
        for start in range(0, len(words), max_words):
            text = f"{doc.title}. " + " ".join(words[start:start + max_words])
            chunks.append(Chunk(f"{doc.id}#{len(chunks)}", doc.id, doc.title, doc.tenant, text))
    return chunks


def chunk_sentences(doc, per_chunk: int = 3) -> list[Chunk]:
    """Groups of `per_chunk` sentences (lines and list items count as sentences), title-prefixed."""
    pieces = [p.strip() for line in doc.text.splitlines() for p in re.split(r"(?<=[.!?])\s+", line) if p.strip()]
    groups = [pieces[i:i + per_chunk] for i in range(0, len(pieces), per_chunk)]
    return [Chunk(f"{doc.id}#{i}", doc.id, doc.title, doc.tenant, f"{doc.title}. " + " ".join(g))
            for i, g in enumerate(groups)]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def facts(text: str, title: str) -> list[str]:
    """Single facts of a markdown document, each readable on its own: every sentence and list item, and every
    table row written out with its column names; each fact is prefixed with the title and its section heading."""
    out, heading, header = [], "", None
    for line in text.splitlines():
        line = line.strip()
        if not line or re.fullmatch(r"\|?[\s:|-]+\|?", line):  # blank line or a table's |---| rule
            continue
        if line.startswith("#"):
            heading, header = line.lstrip("# ").strip(), None
            continue
        where = f"{title} - {heading}: " if heading else f"{title}: "
        if line.startswith("|"):
            if header is None:
                header = _cells(line)
                continue
            first, *rest = _cells(line)
            out.append(where + first + ": " + "; ".join(f"{h} {v}" for h, v in zip(header[1:], rest)) + ".")
            continue
        header = None
        line = re.sub(r"^(\d+\.|[-*])\s+", "", line)  # list markers
        out += [where + s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9€])", line) if s]
    return out


def chunk_facts(doc) -> list[Chunk]:
    """One chunk per fact (a sentence, a list item or a table row with its column names), title-prefixed."""
    return [Chunk(f"{doc.id}#{i}", doc.id, doc.title, doc.tenant, f)
            for i, f in enumerate(facts(doc.text, doc.title))]


def chunk_whole(doc) -> list[Chunk]:
    return [Chunk(f"{doc.id}#0", doc.id, doc.title, doc.tenant, f"{doc.title}. {doc.text}")]


CHUNKERS: dict[str, Callable] = {  # the strategies notebook 01 compares
    "fixed 80 words": lambda d: chunk_fixed(d, 80, 0),
    "fixed 80 words, 20 overlap": lambda d: chunk_fixed(d, 80, 20),
    "markdown headings": chunk_headings,
    "single facts": chunk_facts,
}


def chunk_all(docs, chunker: Callable = chunk_headings) -> list[Chunk]:
    return [c for d in docs for c in chunker(d)]


# ---------------------------------------------------------------- query embeddings

_QUERY_VECTORS: dict[str, np.ndarray] = {}


def embed_queries(texts: list[str]) -> np.ndarray:
    """Embeddings of query texts, computed once per distinct text (one batch for all new ones) and cached,
    so evaluating many indexes on the same questions embeds each question only once."""
    missing = [t for t in dict.fromkeys(texts) if t not in _QUERY_VECTORS]
    if missing:
        _QUERY_VECTORS.update(zip(missing, embed(missing)))
    return np.stack([_QUERY_VECTORS[t] for t in texts])


# ---------------------------------------------------------------- indexes

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
        from .domain import load_kb

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


def fresh_answer_ok(answer: str, item: dict) -> bool:
    """Correct after the week-2 update: the new gold answer is in the answer; for a withdrawn fact (no new
    answer), correct when the answer no longer states the old one."""
    if item.get("answer_after") is None:
        return not answer_match(answer, item["answer"], item.get("aliases", []))
    return answer_match(answer, item["answer_after"], item.get("aliases_after", []))


# ---------------------------------------------------------------- retrieval metrics

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


# ---------------------------------------------------------------- grounded answers

RAG_SYSTEM = ("You answer questions about Voltbird e-bikes using only the numbered sources. "
              "Answer in one short sentence and end with the source number in brackets, like [1].")


def format_sources(chunks: list[Chunk]) -> str:
    return "\n\n".join(f"[{i + 1}] {c.text}" for i, c in enumerate(chunks))


def rag_prompt(llm: LLM, question: str, chunks: list[Chunk], system: str = RAG_SYSTEM) -> str:
    """The chat prompt: numbered sources, then the question (the system message says how to answer)."""
    user = f"Sources:\n{format_sources(chunks)}\n\nQuestion: {question}"
    return llm.chat_prompt(user, system=system)


def parse_citations(answer: str, chunks: list[Chunk]) -> list[str]:
    """Doc ids of the sources the answer cites as [n] or [n, m] (numbers outside the list are ignored)."""
    nums = {int(n) for group in re.findall(r"\[([\d,\s]+)\]", answer) for n in re.findall(r"\d+", group)}
    return sorted({chunks[n - 1].doc_id for n in nums if 1 <= n <= len(chunks)})


_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:-\d+)?")
_STOP = set("a an the of to in on for is are be by and or with at from it its as this that your you what how "
            "does do which when much many long".split())


def content_words(text: str) -> set[str]:
    """Lower-cased words and numbers that carry meaning (no stop words), for answer-source overlap."""
    return {w for w in _TOKEN.findall(text.lower()) if w not in _STOP}


def attribute(answer: str, chunks: list[Chunk]) -> list[str]:
    """Attribution after generation: the doc id of the retrieved chunk that shares the most content words
    with the answer (numbers count double: they are the facts); ties go to the better-ranked chunk."""
    words = content_words(answer)
    if not chunks or not words:
        return []
    scores = [sum(2 if w[0].isdigit() else 1 for w in words & content_words(c.text)) for c in chunks]
    return [chunks[int(np.argmax(scores))].doc_id] if max(scores) > 0 else []


SHORT_SYSTEM = "Answer the question with the exact words from the sources. Be brief."

# Worked examples (an invented bike, not Voltbird) that show the answer format: the value, copied, no sentence; from
# a spec row, from a row with several columns (only the one asked for) and from inside a sentence.
EXAMPLES = [("[1] Trailfox X9 manual - Specifications: Weight: Value 19.8 kg.", "How heavy is the Trailfox X9?",
             "19.8 kg"),
            ("[1] Trailfox care plans - Plans: Trail Care: Price per year €99; Included one inspection and 10% off tyres.",
             "How much is the Trail Care plan?", "€99"),
            ("[1] Trailfox X9 manual - Chain care: Clean and oil the chain every 300 km with a dry cloth.",
             "How often should I oil the chain of the Trailfox X9?", "every 300 km")]


def short_answer_prompt(llm: LLM, question: str, chunks: list[Chunk], system: str = SHORT_SYSTEM,
                        examples=EXAMPLES) -> str:
    """A few-shot prompt for small models: worked examples as earlier chat turns, then the numbered sources and
    the question. An example shows a tiny model the answer format far better than an instruction does."""
    messages = []
    for sources, q, a in examples:
        messages += [{"role": "user", "content": f"Sources:\n{sources}\n\nQuestion: {q}"},
                     {"role": "assistant", "content": a}]
    messages.append({"role": "user", "content": f"Sources:\n{format_sources(chunks)}\n\nQuestion: {question}"})
    return llm.chat_prompt(messages, system=system)


def word_spans(tokenizer, text: str) -> list[tuple[list[int], set[int]]]:
    """Every way to copy from `text`: for each word start, the token ids of the rest of the text and the token
    counts after which the copy ends on a word boundary (so "418 Wh" can be copied, "18 Wh" or "41" cannot)."""
    spans = []
    for m in re.finditer(r"\S+", text):
        rest = text[m.start():]
        enc = tokenizer(rest, add_special_tokens=False, return_offsets_mapping=True)
        ends = set()
        for n, (_, stop) in enumerate(enc["offset_mapping"], start=1):
            after = rest[stop:stop + 2]
            if not after or after[0] in " ,;:!?" or (after[0] == "." and after[1:] in ("", " ")):
                ends.add(n)
        spans.append((enc["input_ids"], ends))
    return spans


class CopySpan:
    """Constrained decoding (a transformers logits processor): the answer must be a run of whole words copied
    from one of the row's sources. The model still chooses which words and where to stop; it just cannot write
    a number or a word that is not in the sources, nor stop in the middle of a word or number."""

    def __init__(self, spans: list[list[tuple[list[int], set[int]]]], prompt_len: int, stop_id: int):
        self.spans, self.prompt_len, self.stop_id = spans, prompt_len, stop_id

    def allowed(self, row: int, generated: list[int]) -> set[int]:
        n, nxt, can_stop = len(generated), set(), False
        for ids, ends in self.spans[row]:
            if ids[:n] == generated:
                if n < len(ids):
                    nxt.add(ids[n])
                can_stop = can_stop or n in ends
        return nxt | {self.stop_id} if can_stop or not nxt else nxt

    def __call__(self, input_ids, scores):
        import torch

        mask = torch.full_like(scores, float("-inf"))
        for row, ids in enumerate(input_ids.tolist()):
            gen = ids[self.prompt_len:]
            if self.stop_id in gen:  # finished rows only get padding
                mask[row, self.stop_id] = 0.0
            else:
                mask[row, sorted(self.allowed(row, gen))] = 0.0
        return scores + mask


def generate_copy(llm: LLM, prompts: list[str], chunk_lists: list[list[Chunk]], max_new_tokens: int = 24,
                  model=None) -> list[dict]:
    """Greedy generation in one batch where each answer can only copy whole words of its own sources."""
    import torch
    from transformers import LogitsProcessorList

    tok, model = llm.tokenizer, model or llm.model
    enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(llm.device)
    spans = [[s for c in ch for s in word_spans(tok, c.text)] for ch in chunk_lists]
    proc = CopySpan(spans, enc["input_ids"].shape[1], tok.eos_token_id)
    t0 = time.perf_counter()
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.pad_token_id,
                             logits_processor=LogitsProcessorList([proc]))
    seconds = (time.perf_counter() - t0) / len(prompts)
    results = []
    for row, mask in zip(out[:, enc["input_ids"].shape[1]:], enc["attention_mask"]):
        ids = [i for i in row.tolist() if i != tok.pad_token_id]
        results.append({"text": tok.decode(ids, skip_special_tokens=True).strip(), "prompt_tokens": int(mask.sum()),
                        "output_tokens": len(ids), "seconds": seconds})
    return results


def rag_answerer(llm: LLM, index, k: int = 1, max_new_tokens: int = 40, model=None, context=None,
                 system: str = RAG_SYSTEM, prompt: Callable | None = None, copy_only: bool = False):
    """A RAG approach for run_eval: retrieve k chunks (as the item's tenant), prompt, generate, cite.

    `context(item) -> chunks` overrides retrieval (oracle or wrong context); `prompt(llm, question, chunks)`
    overrides the prompt format (default: `rag_prompt` with `system`); `copy_only` constrains the answer to a
    span of the sources (`generate_copy`). Citations are the model's own [n] markers when it writes any, else
    attribution after generation (`cited_by_model` says which). Every output is also kept in `approach.log`."""
    make_prompt = prompt or (lambda l, q, ch: rag_prompt(l, q, ch, system))

    def approach(items: list[dict]) -> list[dict]:
        t0 = time.perf_counter()
        chunk_lists = [context(it) if context else [c for c, _ in index.search(it["question"], k, it.get("tenant"))]
                       for it in items]
        t_retrieve = (time.perf_counter() - t0) / len(items)
        prompts = [make_prompt(llm, it["question"], ch) for it, ch in zip(items, chunk_lists)]
        if copy_only:
            outs = generate_copy(llm, prompts, chunk_lists, max_new_tokens, model)
        else:
            outs = generate(llm, prompts, max_new_tokens=max_new_tokens, batch_size=len(prompts), model=model)
        rows = [{"id": it.get("id"), "answer": o["text"],
                 "citations": parse_citations(o["text"], ch) or attribute(o["text"], ch),
                 "cited_by_model": bool(parse_citations(o["text"], ch)), "retrieved": [c.doc_id for c in ch],
                 "context": [c.text for c in ch], "prompt_tokens": o["prompt_tokens"],
                 "output_tokens": o["output_tokens"], "llm_calls": 1, "retrieve_seconds": t_retrieve,
                 "generate_seconds": o["seconds"]} for it, o, ch in zip(items, outs, chunk_lists)]
        approach.log.extend(rows)
        return rows

    approach.log = []
    return approach


def oracle_context(item: dict, chunks: list[Chunk]) -> list[Chunk]:
    """The best possible single chunk: one from a gold document that contains the gold answer (else the
    first chunk of a gold document; nothing when the question has no source)."""
    gold = [c for c in chunks if c.doc_id in item["doc_ids"]]
    with_answer = [c for c in gold if answer_match(c.text, item["answer"], item.get("aliases", []))]
    return (with_answer or gold)[:1]


def wrong_context(items: list[dict], index) -> dict[str, list[Chunk]]:
    """For each item, a plausible but wrong chunk: the top hit of the next item's question, skipping any
    chunk from the item's own gold documents."""
    out = {}
    for i, it in enumerate(items):
        for other in items[i + 1:] + items[:i]:
            chunk = index.search(other["question"], 1, it.get("tenant"))[0][0]
            if chunk.doc_id not in it["doc_ids"]:
                out[it["id"]] = [chunk]
                break
    return out


FACT_MAX_NEW_TOKENS = 32  # room to copy a whole fact: 24 cut "HC2-2405 to HC2-2411" after "HC2-"


def fact_answerer(llm: LLM, index, model=None, context=None):
    """Notebook 01's best recipe for a small model: the single best fact, worked examples, copy-only decoding.
    `context(item) -> chunks` replaces retrieval (oracle or wrong context), as in `rag_answerer`."""
    return rag_answerer(llm, index, k=1, max_new_tokens=FACT_MAX_NEW_TOKENS, model=model, context=context,
                        prompt=short_answer_prompt, copy_only=True)


def latency_breakdown(llm: LLM, index, items: list[dict], k: int = 1, max_new_tokens: int = FACT_MAX_NEW_TOKENS,
                      prompt: Callable | None = None, copy_only: bool = True) -> list[dict]:
    """One query at a time, as a user would send them: seconds spent embedding the question, searching the
    index and generating the answer."""
    rows = []
    for it in items:
        t0 = time.perf_counter()
        _QUERY_VECTORS[it["question"]] = embed([it["question"]])[0]
        t1 = time.perf_counter()
        chunks = [c for c, _ in index.search(it["question"], k, it.get("tenant"))]
        t2 = time.perf_counter()
        text = (prompt or rag_prompt)(llm, it["question"], chunks)
        if copy_only:
            generate_copy(llm, [text], [chunks], max_new_tokens)
        else:
            generate(llm, [text], max_new_tokens=max_new_tokens, batch_size=1)
        rows.append({"embed": t1 - t0, "search": t2 - t1, "generate": time.perf_counter() - t2})
    return rows


# ---------------------------------------------------------------- vector search at scale

def synthetic_vectors(n: int, dim: int = 384, clusters: int = 1000, noise: float = 1.2, seed: int = 0) -> np.ndarray:
    """Unit vectors drawn around random cluster centres (real embeddings are clustered too, which is
    what approximate indexes exploit; uniform random vectors in 384 dimensions have no structure)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    x = centres[rng.integers(0, clusters, n)] + noise * rng.standard_normal((n, dim), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def numpy_search(x: np.ndarray, q: np.ndarray, k: int = 10) -> np.ndarray:
    """Exact top-k by brute force in NumPy: one matrix-vector product per query and a partial sort."""
    scores = x @ q
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


# The knob that trades speed for recall at search time, and the values swept for each index kind.
SEARCH_KNOBS = {"Flat": ("-", [None]), "IVF": ("nprobe", [1, 4, 16, 64]),
                "HNSW": ("efSearch", [16, 32, 64, 128])}


def make_faiss_index(kind: str, x: np.ndarray):
    """A FAISS inner-product index over x: 'Flat' (exact), 'IVF' (k-means cells; a query visits `nprobe`
    of them) or 'HNSW' (a navigable small-world graph; a query explores `efSearch` candidates)."""
    import faiss

    n, dim = x.shape
    if kind == "Flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "IVF":
        nlist = int(np.sqrt(n))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(x[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)])
    elif kind == "HNSW":
        index = faiss.IndexHNSWFlat(dim, 16, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 40
    else:
        raise ValueError(kind)
    index.add(x)
    return index


def set_knob(index, kind: str, value) -> None:
    if kind == "IVF":
        index.nprobe = value
    elif kind == "HNSW":
        index.hnsw.efSearch = value


def index_bytes(index) -> int:
    """Memory an index needs, measured as the size of its serialized form."""
    import faiss

    return int(faiss.serialize_index(index).size)


def _per_query_ms(search, queries: np.ndarray) -> tuple[float, list]:
    t0 = time.perf_counter()
    found = [search(q) for q in queries]
    return 1000 * (time.perf_counter() - t0) / len(queries), found


def faiss_benchmark(n: int, dim: int = 384, n_queries: int = 100, k: int = 10, seed: int = 0,
                    kinds=("Flat", "IVF", "HNSW")) -> list[dict]:
    """NumPy brute force vs FAISS indexes on n synthetic vectors, one query at a time (as a search service
    sees them): build seconds, memory (MB), latency per query (ms) and recall@k against the exact answer,
    for each value of each index's speed/recall knob."""
    x = synthetic_vectors(n + n_queries, dim, seed=seed)
    x, queries = x[:n], x[n:]
    np_ms, exact = _per_query_ms(lambda q: numpy_search(x, q, k), queries)
    rows = [{"n": n, "method": "NumPy brute force", "knob": "-", "build_s": 0.0, "memory_mb": x.nbytes / 1e6,
             "query_ms": np_ms, f"recall@{k}": 1.0}]
    for kind in kinds:
        t0 = time.perf_counter()
        index = make_faiss_index(kind, x)
        build, mb = time.perf_counter() - t0, index_bytes(index) / 1e6
        name, values = SEARCH_KNOBS[kind]
        for value in values:
            set_knob(index, kind, value)
            ms, found = _per_query_ms(lambda q: index.search(q.reshape(1, -1), k)[1][0], queries)
            recall = np.mean([len(set(f.tolist()) & set(e.tolist())) / k for f, e in zip(found, exact)])
            rows.append({"n": n, "method": f"FAISS {kind}", "knob": f"{name}={value}" if value else "-",
                         "build_s": build, "memory_mb": mb, "query_ms": ms, f"recall@{k}": float(recall)})
    for row in rows:
        row["speedup_vs_numpy"] = np_ms / row["query_ms"]
    return rows


def fastest_at_recall(rows: list[dict], min_recall: float = 0.95, k: int = 10) -> dict:
    """The fastest configuration whose recall@k reaches min_recall (rows from faiss_benchmark)."""
    ok = [r for r in rows if r[f"recall@{k}"] >= min_recall and r["method"] != "NumPy brute force"]
    return min(ok, key=lambda r: r["query_ms"])

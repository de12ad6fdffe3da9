"""Grounded answers: prompts with numbered sources (few-shot for small models), citations parsed from the answer or
attributed after generation, copy-only decoding, and the RAG approaches for `evaluate.run_eval`."""
from __future__ import annotations

import re
import time
from collections.abc import Callable

import numpy as np

from ..evaluate import answer_match
from ..models import LLM, embed, generate
from .chunking import Chunk
from .index import _QUERY_VECTORS

RAG_SYSTEM = ("You answer questions about Voltbird e-bikes using only the numbered sources. "
              "Answer in one short sentence and end with the source number in brackets, like [1].")


def format_sources(chunks: list[Chunk]) -> str:
    return "\n\n".join(f"[{i + 1}] {c.text}" for i, c in enumerate(chunks))


def rag_prompt(llm: LLM, question: str, chunks: list[Chunk], system: str = RAG_SYSTEM, examples=()) -> str:
    """The chat prompt: numbered sources, then the question (the system message says how to answer). `examples`:
    (sources text, question, answer) triples shown first as earlier turns (in-context examples)."""
    messages = []
    for sources, q, a in examples:
        messages += [{"role": "user", "content": f"Sources:\n{sources}\n\nQuestion: {q}"}, {"role": "assistant", "content": a}]
    messages.append({"role": "user", "content": f"Sources:\n{format_sources(chunks)}\n\nQuestion: {question}"})
    return llm.chat_prompt(messages, system=system)


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
    return rag_prompt(llm, question, chunks, system, examples)


CITE_SYSTEM = ("Answer the question with the exact words from the sources, then give the number of the source you "
               "used in brackets, like [2].")
# Worked examples with three numbered sources each (an invented bike): the value, then the number of its source.
CITE_EXAMPLES = [
    ("[1] Trailfox X9 manual - Chain care: Clean and oil the chain every 300 km.\n[2] Trailfox X9 manual - "
     "Specifications: Weight: Value 19.8 kg.\n[3] Trailfox X7 manual - Specifications: Weight: Value 21.2 kg.",
     "How heavy is the Trailfox X9?", "19.8 kg [2]"),
    ("[1] Trailfox care plans - Plans: Trail Care: Price per year €99.\n[2] Trailfox care plans - Plans: Trail Care "
     "Plus: Price per year €149.\n[3] Trailfox returns - Window: 30 days from delivery.", "How much is Trail Care Plus?",
     "€149 [2]"),
    ("[1] Trailfox X9 manual - Chain care: Clean and oil the chain every 300 km.\n[2] Trailfox X9 manual - Brakes: "
     "Check the pads every 1000 km.\n[3] Trailfox X9 manual - Tyres: Pressure 2.5 bar.",
     "How often should I oil the chain of the Trailfox X9?", "every 300 km [1]")]


def cite_prompt(llm: LLM, question: str, chunks: list[Chunk]) -> str:
    """`short_answer_prompt` where citing is the model's choice: several numbered sources, and worked examples that
    end with the number of the source they used."""
    return rag_prompt(llm, question, chunks, CITE_SYSTEM, CITE_EXAMPLES)


def citation_shares(outputs: list[dict], items: list[dict]) -> dict:
    """Citing as a choice among the k retrieved sources of `rag_answerer` outputs, kept apart from attribution:
    the share of answers that name a source with [n]; of those, the share whose named sources are all gold; the
    share where attribution after generation (`attribute`) picks a gold source from the same k; the share where a gold
    source was among the k at all (the ceiling of both); and the trivial baseline, always citing source [1]."""
    from ..evaluate import citation_correct

    rows = []
    for o, it in zip(outputs, items):
        chunks = [Chunk(f"{d}#{i}", d, "", "", t) for i, (d, t) in enumerate(zip(o["retrieved"], o["context"]))]
        named = parse_citations(o["answer"], chunks)
        rows.append((bool(named), citation_correct(named, it["doc_ids"]),
                     citation_correct(attribute(o["answer"], chunks), it["doc_ids"]), bool(set(o["retrieved"]) & set(it["doc_ids"])),
                     citation_correct(o["retrieved"][:1], it["doc_ids"])))
    citing = [r for r in rows if r[0]]
    share = lambda k, among=rows: float(np.mean([r[k] for r in among])) if among else 0.0  # noqa: E731
    return {"answers_citing": share(0), "citations_right": share(1, citing), "attribution_right": share(2),
            "gold_among_sources": share(3), "always_first_right": share(4)}


def distinct_sources(index, k: int = 3):
    """A `context` for `rag_answerer`: the top retrieved facts of k different documents (the gold one, when
    retrieved, and distractors from other documents), so that naming a source is a real choice."""
    def context(item: dict) -> list[Chunk]:
        chosen = []
        for chunk, _ in index.search(item["question"], 40, item.get("tenant")):
            if chunk.doc_id not in {c.doc_id for c in chosen}:
                chosen.append(chunk)
        return chosen[:k]
    return context


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
    tok = llm.tokenizer
    spans = [[s for c in ch for s in word_spans(tok, c.text)] for ch in chunk_lists]

    def copy_span(first_row: int, prompt_width: int) -> CopySpan:  # the constraint for one batch of rows
        return CopySpan(spans[first_row:first_row + len(prompts)], prompt_width, tok.eos_token_id)

    return generate(llm, prompts, max_new_tokens, batch_size=len(prompts), model=model, logits_processor=copy_span)


def rag_answerer(llm: LLM, index, k: int = 1, max_new_tokens: int = 40, model=None, context=None,
                 system: str = RAG_SYSTEM, prompt: Callable | None = None, copy_only: bool = False):
    """A RAG approach for run_eval: retrieve k chunks (as the item's tenant), prompt, generate, cite.

    `context(item) -> chunks` overrides retrieval (oracle or wrong context); `prompt(llm, question, chunks)`
    overrides the prompt format (default: `rag_prompt` with `system`); `copy_only` constrains the answer to a
    span of the sources (`generate_copy`). Citations are the model's own [n] markers when it writes any, else
    attribution after generation (`cited_by_model` says which). `run_eval` keeps every output in
    `EvalResult.outputs`."""
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
        return rows

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


def free_answerer(llm: LLM, index, model=None, context=None):
    """`fact_answerer` without copy-only decoding: same fact, same worked examples, but the model may write any word,
    so it can answer beyond (or against) its context. The reader that tests whether retrieval is really the ceiling."""
    return rag_answerer(llm, index, k=1, max_new_tokens=FACT_MAX_NEW_TOKENS, model=model, context=context,
                        prompt=short_answer_prompt, copy_only=False)


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


def top_chunk_answerer(index, k: int = 1):
    """The trivial baseline beside every RAG table: the top retrieved chunk, pasted verbatim as the answer (its
    document as the citation; no model call). Containment scoring rewards it; the strict scorer should not."""
    def approach(items: list[dict]) -> list[dict]:
        outs = []
        for it in items:
            chunk = index.search(it["question"], k, it.get("tenant"))[0][0]
            outs.append({"answer": chunk.text, "citations": [chunk.doc_id], "prompt_tokens": 0, "output_tokens": 0,
                         "llm_calls": 0})
        return outs
    return approach

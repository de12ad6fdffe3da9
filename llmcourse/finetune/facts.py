"""The knowledge cutoff, measured (appendix 02c): a LoRA trained on week-1 facts as question -> answer pairs.

Training data: for public qa questions with a week-1 answer (`cutoff_facts`: those about the documents the week-2
update changes), the fact line of its document that states the answer, asked in the template wordings of
`fact_questions` (never the eval question's own wording) and answered with the bare value. The eval asks the qa
questions in their own wordings, so the adapter must carry a fact to a question it never saw. After the week-2
update, `staleness` counts how often an answer states the old value and how often the new one, on the questions
whose fact changed.
"""
from __future__ import annotations

import re

from ..evaluate import answer_match, strict_match
from .data import encode_chat
from .settings import top_blocks

# Chosen on the dev questions' week-1 accuracy among the runs tried (60 or 100 steps, learning rate 3e-3 or 5e-3, the
# last 12 or 6 blocks): this one tied the best and trains fastest.
FACT_SETTINGS = top_blocks(steps=60, lr=5e-3, batch_size=8, max_len=64)


def _subject(title: str) -> str:
    return re.sub(r"\s*(owner's manual|manual)$", "", title).strip()


def fact_questions(chunk) -> list[str]:
    """Plain questions a customer could ask about one fact line (templated from its structure)."""
    head, _, rest = chunk.text.partition(": ")
    section = head.split(" - ", 1)[1] if " - " in head else "this"
    subject = _subject(chunk.title)
    key = rest.split(": ", 1)[0] if ": " in rest else section
    return [f"What is the {key.lower()} of the {subject}?", f"Can you tell me about {key.lower()} ({subject})?",
            f"{subject}: what do you say about {section.lower()}?", f"Question about the {subject} - {key.lower()}."]


def known_facts(qa: list[dict], docs) -> list[tuple[dict, object]]:
    """(qa item, fact chunk) for every public question with a week-1 answer whose document states it in one fact
    line (`rag.chunk_facts`). Questions without such a line are left out (the adapter could not be taught them)."""
    from ..rag import chunk_facts

    by_doc = {d.id: chunk_facts(d) for d in docs}
    pairs = []
    for q in qa:
        if q["tenant"] != "public" or not q["answer"]:
            continue
        hits = [c for doc_id in q["doc_ids"] for c in by_doc.get(doc_id, []) if answer_match(c.text, q["answer"], q["aliases"])]
        if hits:
            pairs.append((q, hits[0]))
    return pairs


def cutoff_facts(qa: list[dict], docs, changed: set[str]) -> list[tuple[dict, object]]:
    """The facts appendix 02c teaches: those of `known_facts` in the documents the update changes (`changed`, from
    `domain.changed_doc_ids`) or asked by a question whose answer the update changes."""
    return [(q, c) for q, c in known_facts(qa, docs) if set(q["doc_ids"]) & changed or q["changes_after_update"]]


def training_examples(pairs, tokenizer, asked: set[str], max_len: int = FACT_SETTINGS.max_len) -> list[dict]:
    """One chat example per template wording of each fact, with the system prompt of `approaches.no_help` (so the
    tuned model is asked exactly as the base model is), and the week-1 value as the reply. A template wording that
    is word for word an eval question (`asked`) is left out: the eval must ask in a wording never trained on."""
    from ..approaches import ASSISTANT

    asked = {a.lower() for a in asked}
    return [encode_chat(tokenizer, [{"role": "system", "content": ASSISTANT}, {"role": "user", "content": wording}],
                        q["answer"], max_len=max_len)
            for q, chunk in pairs for wording in fact_questions(chunk) if wording.lower() not in asked]


def staleness(items: list[dict], answers: list[str]) -> dict[str, float]:
    """On questions whose fact the week-2 update changed: the share of answers that state the old (week-1) value,
    and the share that state the new one (strict). An item with no old value (a new fact) counts only in 'new'."""
    old = [answer_match(a, q["answer"], q["aliases"]) for q, a in zip(items, answers) if q["answer"]]
    new = [bool(q["answer_after"]) and strict_match(a, q["answer_after"], q["aliases_after"], q["question"])
           for q, a in zip(items, answers)]
    return {"states_old_value": sum(old) / len(old) if old else 0.0, "states_new_value": sum(new) / len(new),
            "items_with_old_value": len(old), "items": len(items)}

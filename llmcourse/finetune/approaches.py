"""Notebook 02's contenders as `evaluate.run_eval` approaches: the tuned model with its bare prompt, and the base
model with a long few-shot prompt (house-style replies; classification + extraction as JSON), plus the scorer
of the extraction task."""
from __future__ import annotations

from ..domain.content import TICKET_CATEGORIES
from ..evaluate import generated
from ..models import LLM, generate
from .data import FIELDS, extract_prompt_messages, extraction_target, parse_extraction, ticket_prompt_messages


def _outputs(outs: list[dict]) -> list[dict]:
    return [generated(o) for o in outs]


def tuned_reply_approach(llm: LLM, model, max_new_tokens: int = 120):
    """A run_eval approach: the tuned model gets only the bare ticket prompt (a question works as a message)."""
    def approach(items: list[dict]) -> list[dict]:
        prompts = [llm.render(ticket_prompt_messages(it)) for it in items]
        return _outputs(generate(llm, prompts, max_new_tokens=max_new_tokens, batch_size=len(prompts), model=model))
    return approach


STYLE_INSTRUCTIONS = (
    "You are a Voltbird customer support agent. Write the reply in the Voltbird house style:\n"
    "- first line exactly 'Hi <first name>,'\n- second line: one sentence starting with 'Thanks'\n"
    "- then 2 to 4 numbered steps '1. ', '2. ', ...\n- then a line 'Ref: ' with the kb ids, e.g. 'Ref: kb-007'\n"
    "- last line exactly '— Voltbird Care Team'\n- at most 90 words. Example replies follow.")

EXTRACT_INSTRUCTIONS = (
    "Read the customer's support message and answer with one line of JSON with the keys category, order_id, "
    "model, error_code. category is one of: " + ", ".join(TICKET_CATEGORIES) + ". Use null for a field that is absent.")


def fewshot_messages(ticket: dict, shots: list[dict], system: str, as_turns) -> list[dict]:
    """A long prompt for the base model: instructions, then each shot as a (user, assistant) pair, then the ticket.
    `as_turns(ticket) -> (user text, assistant text)`."""
    messages = [{"role": "system", "content": system}]
    for shot in shots:
        user, assistant = as_turns(shot)
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return messages + [{"role": "user", "content": as_turns(ticket)[0]}]


def first_per_category(tickets: list[dict], per_category: int = 1) -> list[dict]:
    """The first `per_category` tickets of each category, grouped by category (deterministic)."""
    return [t for c in TICKET_CATEGORIES for t in [t for t in tickets if t["category"] == c][:per_category]]


def fewshot_style_approach(llm: LLM, shots: list[dict], max_new_tokens: int = 120):
    """The base model with the long prompt: house-style instructions and example replies."""
    as_turns = lambda t: (ticket_prompt_messages(t)[0]["content"], t.get("reply", ""))  # noqa: E731

    def approach(items: list[dict]) -> list[dict]:
        prompts = [llm.render(fewshot_messages(it, shots, STYLE_INSTRUCTIONS, as_turns)) for it in items]
        return _outputs(generate(llm, prompts, max_new_tokens=max_new_tokens, batch_size=len(prompts)))
    return approach


def extraction_approach(llm: LLM, model=None, shots: list[dict] | None = None, max_new_tokens: int = 40):
    """Ticket -> JSON. With `shots`: the base model prompted with instructions + examples; else the bare
    'Extract JSON' prompt the adapter was trained on."""
    as_turns = lambda t: (t["message"], extraction_target(t) if "category" in t else "")  # noqa: E731

    def approach(items: list[dict]) -> list[dict]:
        if shots is None:
            prompts = [llm.render(extract_prompt_messages(it)) for it in items]
        else:
            prompts = [llm.render(fewshot_messages(it, shots, EXTRACT_INSTRUCTIONS, as_turns)) for it in items]
        outs = generate(llm, prompts, max_new_tokens=max_new_tokens, batch_size=len(prompts), model=model, stop=["}"])
        return _outputs([{**o, "text": o["text"] + "}"} for o in outs])
    return approach


def extraction_scores(items: list[dict], answers: list[str]):
    """Per ticket: category right, each field right, all three fields right (exact match after strip)."""
    import pandas as pd

    rows = []
    for item, answer in zip(items, answers):
        got = parse_extraction(answer)
        row = {"id": item["id"], "parsed": bool(got), "category_ok": got.get("category") == item["category"]}
        for f in FIELDS:
            want, have = item["fields"].get(f), got.get(f)
            row[f"{f}_ok"] = (str(have).strip() if have is not None else None) == want
        row["fields_ok"] = all(row[f"{f}_ok"] for f in FIELDS)
        rows.append(row)
    return pd.DataFrame(rows)


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z0-9\-]+", text.lower())


def nearest_ticket_finder(train: list[dict]):
    """`find(message) -> ticket`: the training ticket whose message is most similar (TF-IDF cosine over words; ties:
    the first). The training vectors are built once."""
    import math
    from collections import Counter

    docs = [Counter(_words(t["message"])) for t in train]
    df = Counter(w for d in docs for w in d)
    idf = {w: math.log((1 + len(docs)) / (1 + n)) + 1 for w, n in df.items()}

    def vec(counts):
        v = {w: c * idf.get(w, 0.0) for w, c in counts.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    vectors = [vec(d) for d in docs]

    def find(message: str) -> dict:
        query = vec(Counter(_words(message)))
        sims = [sum(query.get(w, 0.0) * x for w, x in v.items()) for v in vectors]
        return train[max(range(len(train)), key=sims.__getitem__)]
    return find


def nearest_training_ticket(train: list[dict], message: str) -> dict:
    """The training ticket whose message is most similar to `message` (see `nearest_ticket_finder`)."""
    return nearest_ticket_finder(train)(message)


def nearest_reply_approach(train: list[dict]):
    """The trivial baseline for house style, with no model: the gold reply of the most similar training ticket,
    its greeting switched to this customer's first name. It keeps every style rule by construction, so it is the
    bar a tuned model must clear on content, not on form."""
    find = nearest_ticket_finder(train)

    def approach(items: list[dict]) -> list[dict]:
        outs = []
        for it in items:
            near = find(it["message"])
            reply = near["reply"].replace(f"Hi {near['first_name']},", f"Hi {it['first_name']},", 1)
            outs.append({"answer": reply, "prompt_tokens": 0, "output_tokens": 0, "llm_calls": 0})
        return outs
    return approach


def majority_extraction(train: list[dict]) -> str:
    """The trivial baseline for routing and extraction: the most common training category, every field null."""
    import json
    from collections import Counter

    category = Counter(t["category"] for t in train).most_common(1)[0][0]
    return json.dumps({**{f: None for f in FIELDS}, "category": category}, separators=(",", ":"))

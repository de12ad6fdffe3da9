"""Training and evaluation data for the two fine-tuning tasks of notebook 02, and a noisy copy of it.

- house style: the bare ticket prompt (`ticket_prompt_messages`) -> the gold reply;
- classification + extraction: 'Extract JSON: <message>' -> compact JSON of the fields and the category;
- `corrupt_tickets`: the same tickets with a share of the gold replies written sloppily (noisy-data experiment).

Examples are `{"input_ids", "labels"}` dicts with the loss on the reply only (`encode_chat`).
"""
from __future__ import annotations

import json
import random
import re

from ..models import chat_example as encode_chat

FIELDS = ("order_id", "model", "error_code")


def ticket_prompt_messages(ticket: dict) -> list[dict]:
    """The bare prompt the tuned model gets: the customer's first name and message, no instructions."""
    message = ticket.get("message") or ticket.get("question", "")
    return [{"role": "user", "content": f"From: {ticket.get('first_name') or 'customer'}\n{message}"}]


def extract_prompt_messages(ticket: dict) -> list[dict]:
    """The bare prompt for the second task the adapter learns: the ticket as structured JSON."""
    return [{"role": "user", "content": f"Extract JSON: {ticket['message']}"}]


def extraction_target(ticket: dict) -> str:
    """The gold structured output, compact JSON: the three fields (null when absent), then the category.
    Fields first: once the model has written them, the category is an easier choice (a code -> error_code)."""
    record = {**{f: ticket["fields"].get(f) for f in FIELDS}, "category": ticket["category"]}
    return json.dumps(record, separators=(",", ":"))


def parse_extraction(text: str) -> dict:
    """The first JSON object in a model's output (missing keys -> None); {} when nothing parses."""
    found = re.search(r"\{.*?\}", text, re.S)
    try:
        record = json.loads(found.group(0)) if found else {}
    except json.JSONDecodeError:
        return {}
    if not isinstance(record, dict) or not record:
        return {}
    return {k: record.get(k) for k in ("category", *FIELDS)}


def style_examples(tickets: list[dict], tokenizer, max_len: int = 160) -> list[dict]:
    """Training examples for the house style: bare ticket prompt -> gold reply (loss on the reply only)."""
    return [encode_chat(tokenizer, ticket_prompt_messages(t), t["reply"], max_len) for t in tickets]


def extraction_examples(tickets: list[dict], tokenizer, max_len: int = 128) -> list[dict]:
    """Training examples for classification + extraction: 'Extract JSON' prompt -> gold JSON."""
    return [encode_chat(tokenizer, extract_prompt_messages(t), extraction_target(t), max_len) for t in tickets]


# ---------------------------------------------------------------- noisy training data

def sloppy_reply(reply: str) -> str:
    """The same content written in a hurry: no name, bullets instead of numbers, no Ref line, a loose sign-off."""
    lines = reply.strip().splitlines()
    body = [re.sub(r"^\d+\. ", "- ", line) for line in lines[1:-1] if not line.startswith("Ref: ")]
    return "\n".join(["Hello!", *body, "Best, the Voltbird team"])


def corrupt_tickets(tickets: list[dict], share: float = 0.5, seed: int = 0) -> list[dict]:
    """A noisy copy of the training data: a random `share` of the gold replies replaced by sloppy ones."""
    rng = random.Random(seed)
    return [{**t, "reply": sloppy_reply(t["reply"])} if rng.random() < share else dict(t) for t in tickets]

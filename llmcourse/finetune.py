"""Fine-tuning with LoRA (peft) on CPU or GPU: chat formatting with label masks, a small training loop,
and an adapter cache so later notebooks load (or, when missing, train with the same code) an adapter.

Notebook 02 trains the house-style adapter and its variants; notebook 03 trains a tool-calling adapter with
`get_adapter`; notebook 04 loads the house-style adapter with `house_style_adapter`.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import time
from dataclasses import asdict, dataclass, field

from .models import LLM, generate, load_base_model
from .paths import cache_dir

IGNORE = -100  # label value the loss skips
CATEGORIES = ("battery", "error_code", "shipping", "returns", "warranty", "service_booking")
FIELDS = ("order_id", "model", "error_code")


# ---------------------------------------------------------------- chat formatting and label masks

def encode_chat(tokenizer, prompt_messages: list[dict], reply: str, max_len: int = 256) -> dict:
    """Token ids for prompt + reply, with labels only on the reply (prompt positions are IGNORE)."""
    prompt = tokenizer.apply_chat_template(prompt_messages, tokenize=False, add_generation_prompt=True)
    p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    r_ids = tokenizer(reply + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
    ids = (p_ids + r_ids)[:max_len]
    labels = ([IGNORE] * len(p_ids) + r_ids)[:max_len]
    return {"input_ids": ids, "labels": labels}


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


# ---------------------------------------------------------------- LoRA settings and training

@dataclass
class LoraSettings:
    """What to train: the LoRA rank/alpha/targets/layers, and how hard (learning rate, steps, batch)."""

    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    targets: list = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])
    layers: list | None = None  # None: every layer; else the layer indices that get adapters
    lr: float = 1e-3
    steps: int = 40
    batch_size: int = 8
    max_len: int = 192
    seed: int = 0

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Chosen by measurement on 2 CPU cores: small batches and a high learning rate teach the house style in a few
# dozen steps. The main house-style adapter (notebook 02; notebook 04 loads it with `house_style_adapter`).
STYLE_SETTINGS = LoraSettings(r=8, alpha=16, lr=4e-3, steps=28, batch_size=4, max_len=160)
# The structured-output adapter (category + fields): short examples; it needs the MLP layers and rank 16
# to generalize to phrasings it never saw.
EXTRACT_SETTINGS = LoraSettings(r=16, alpha=32, lr=3e-3, steps=26, batch_size=8, max_len=128, targets=ALL_LINEAR)
# Notebook 02's forgetting comparison on the same style data: a gentle and an aggressive configuration.
GENTLE_SETTINGS = LoraSettings(r=8, alpha=16, lr=1e-3, steps=16, batch_size=4, max_len=160)
AGGRESSIVE_SETTINGS = LoraSettings(r=64, alpha=128, lr=5e-3, steps=12, batch_size=4, max_len=160, targets=ALL_LINEAR)


def lora_model(settings: LoraSettings):
    """A fresh copy of the base model wrapped with LoRA adapters (the base weights stay frozen)."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(settings.seed)
    base = load_base_model()
    config = LoraConfig(r=settings.r, lora_alpha=settings.alpha, lora_dropout=settings.dropout,
                        target_modules=list(settings.targets), layers_to_transform=settings.layers,
                        task_type="CAUSAL_LM")
    return get_peft_model(base, config)


def _pad(batch: list[dict], pad_id: int):
    import torch

    width = max(len(b["input_ids"]) for b in batch)
    ids = torch.full((len(batch), width), pad_id)
    labels = torch.full((len(batch), width), IGNORE)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, b in enumerate(batch):
        n = len(b["input_ids"])
        ids[row, :n], labels[row, :n], mask[row, :n] = torch.tensor(b["input_ids"]), torch.tensor(b["labels"]), 1
    return ids, labels, mask


def batch_order(examples: list[dict], batch_size: int, steps: int, seed: int = 0) -> list[list[int]]:
    """`steps` batches of example indices: shuffled epochs, and within every window of 4 batches the examples
    are grouped by length so that short examples are not padded to long ones (less compute per step)."""
    rng, pool, batches = random.Random(seed), [], []
    while len(batches) < steps:
        if len(pool) < 4 * batch_size:
            pool += rng.sample(range(len(examples)), len(examples))
        window, pool = sorted(pool[:4 * batch_size], key=lambda i: len(examples[i]["input_ids"])), pool[4 * batch_size:]
        group = [window[k:k + batch_size] for k in range(0, len(window), batch_size)]
        rng.shuffle(group)
        batches += group
    return batches[:steps]


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train(model, examples: list[dict], settings: LoraSettings, pad_id: int, progress: bool = True,
          desc: str = "LoRA training") -> dict:
    """A plain AdamW loop over length-grouped mini-batches; returns the loss curve and what training cost."""
    import torch
    from tqdm.auto import tqdm

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=settings.lr, weight_decay=0.0)
    warmup = max(1, settings.steps // 8)  # short warm-up, then linear decay to 10%
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.1, 1 - s / settings.steps))
    device = next(model.parameters()).device
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    model.train()
    losses, tokens, t0 = [], 0, time.perf_counter()
    bar = tqdm(batch_order(examples, settings.batch_size, settings.steps, settings.seed), desc=desc,
               disable=not progress)
    for indices in bar:
        ids, labels, mask = (t.to(device) for t in _pad([examples[i] for i in indices], pad_id))
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        opt.step(), sched.step(), opt.zero_grad()
        losses.append(loss.item())
        tokens += int(mask.sum())
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    model.eval()
    stats = {"losses": losses, "train_seconds": time.perf_counter() - t0, "device": device.type,
             "trainable_params": sum(p.numel() for p in params), "tokens": tokens,
             "peak_rss_mb": _rss_mb(), "examples": len(examples), "steps": settings.steps}
    if device.type == "cuda":
        stats["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return stats


# ---------------------------------------------------------------- the adapter cache

def adapter_dir(name: str):
    return cache_dir("adapters", name)


def data_fingerprint(examples: list[dict]) -> str:
    """A short hash of the training examples: a cached adapter is reused only for the same data."""
    digest = hashlib.sha256(json.dumps([e["input_ids"] + e["labels"] for e in examples]).encode())
    return digest.hexdigest()[:16]


def save_adapter(model, name: str, settings: LoraSettings, stats: dict, fingerprint: str = "") -> None:
    path = adapter_dir(name)
    model.save_pretrained(path)
    meta = {"settings": settings.key(), "data": fingerprint, "stats": stats}
    (path / "course_meta.json").write_text(json.dumps(meta, indent=1))


def load_adapter(name: str, settings: LoraSettings | None = None, fingerprint: str | None = None):
    """(model with the cached adapter, training stats), or (None, None) when missing or trained differently."""
    from peft import PeftModel

    path = adapter_dir(name)
    meta_file = path / "course_meta.json"
    if not meta_file.exists():
        return None, None
    meta = json.loads(meta_file.read_text())
    if settings is not None and meta["settings"] != settings.key():
        return None, None
    if fingerprint is not None and meta.get("data") != fingerprint:
        return None, None
    model = PeftModel.from_pretrained(load_base_model(), path).eval()
    return model, meta["stats"]


def get_adapter(llm: LLM, name: str, make_examples, settings: LoraSettings, retrain: bool = False):
    """Load adapter `name` from the cache, or train it (same code, same settings) and cache it.
    `make_examples(tokenizer) -> list of encode_chat dicts`. Returns (model, stats); stats["cached"] says which.
    Set LLMCOURSE_RETRAIN=1 to force training."""
    examples = make_examples(llm.tokenizer)
    fingerprint = data_fingerprint(examples)
    if not retrain and os.environ.get("LLMCOURSE_RETRAIN") != "1":
        model, stats = load_adapter(name, settings, fingerprint)
        if model is not None:
            return model, {**stats, "cached": True}
    model = lora_model(settings)
    stats = train(model, examples, settings, llm.tokenizer.pad_token_id, desc=f"training {name}")
    save_adapter(model, name, settings, stats, fingerprint)
    return model, {**stats, "cached": False}


def adapter_size_mb(name: str) -> float:
    return sum(p.stat().st_size for p in adapter_dir(name).glob("*.safetensors")) / 1e6


def house_style_adapter(llm: LLM, retrain: bool = False):
    """The house-style adapter of notebook 02 (STYLE_SETTINGS, train tickets): loaded from the cache, or trained
    with the same code when missing. Returns (model, stats)."""
    from .domain import load_tickets

    train_tickets = load_tickets("train")
    return get_adapter(llm, "house-style", lambda tok: style_examples(train_tickets, tok, STYLE_SETTINGS.max_len),
                       STYLE_SETTINGS, retrain=retrain)


def extraction_adapter(llm: LLM, retrain: bool = False):
    """The ticket classification + extraction adapter of notebook 02 (EXTRACT_SETTINGS): cached or trained."""
    from .domain import load_tickets

    train_tickets = load_tickets("train")
    return get_adapter(llm, "ticket-extract",
                       lambda tok: extraction_examples(train_tickets, tok, EXTRACT_SETTINGS.max_len),
                       EXTRACT_SETTINGS, retrain=retrain)


# ---------------------------------------------------------------- approaches and prompts for evaluation

def _chat(llm: LLM, messages: list[dict]) -> str:
    return llm.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def _outputs(outs: list[dict]) -> list[dict]:
    return [{"answer": o["text"], "prompt_tokens": o["prompt_tokens"], "output_tokens": o["output_tokens"],
             "llm_calls": 1} for o in outs]


def tuned_reply_approach(llm: LLM, model, max_new_tokens: int = 120):
    """A run_eval approach: the tuned model gets only the bare ticket prompt (a question works as a message)."""
    def approach(items: list[dict]) -> list[dict]:
        prompts = [_chat(llm, ticket_prompt_messages(it)) for it in items]
        return _outputs(generate(llm, prompts, max_new_tokens=max_new_tokens, batch_size=len(prompts), model=model))
    return approach


STYLE_INSTRUCTIONS = (
    "You are a Voltbird customer support agent. Write the reply in the Voltbird house style:\n"
    "- first line exactly 'Hi <first name>,'\n- second line: one sentence starting with 'Thanks'\n"
    "- then 2 to 4 numbered steps '1. ', '2. ', ...\n- then a line 'Ref: ' with the kb ids, e.g. 'Ref: kb-007'\n"
    "- last line exactly '— Voltbird Care Team'\n- at most 90 words. Example replies follow.")

EXTRACT_INSTRUCTIONS = (
    "Read the customer's support message and answer with one line of JSON with the keys category, order_id, "
    "model, error_code. category is one of: " + ", ".join(CATEGORIES) + ". Use null for a field that is absent.")


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
    return [t for c in CATEGORIES for t in [t for t in tickets if t["category"] == c][:per_category]]


def fewshot_style_approach(llm: LLM, shots: list[dict], max_new_tokens: int = 120):
    """The base model with the long prompt: house-style instructions and example replies."""
    as_turns = lambda t: (ticket_prompt_messages(t)[0]["content"], t.get("reply", ""))  # noqa: E731

    def approach(items: list[dict]) -> list[dict]:
        prompts = [_chat(llm, fewshot_messages(it, shots, STYLE_INSTRUCTIONS, as_turns)) for it in items]
        return _outputs(generate(llm, prompts, max_new_tokens=max_new_tokens, batch_size=len(prompts)))
    return approach


def extraction_approach(llm: LLM, model=None, shots: list[dict] | None = None, max_new_tokens: int = 40):
    """Ticket -> JSON. With `shots`: the base model prompted with instructions + examples; else the bare
    'Extract JSON' prompt the adapter was trained on."""
    as_turns = lambda t: (t["message"], extraction_target(t) if "category" in t else "")  # noqa: E731

    def approach(items: list[dict]) -> list[dict]:
        if shots is None:
            prompts = [_chat(llm, extract_prompt_messages(it)) for it in items]
        else:
            prompts = [_chat(llm, fewshot_messages(it, shots, EXTRACT_INSTRUCTIONS, as_turns)) for it in items]
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


# ---------------------------------------------------------------- general ability: perplexity and a probe

DOC_MODULES = ("heapq", "argparse", "json", "csv", "statistics", "sched", "pickle", "random", "difflib")


def python_doc_paragraphs(n: int = 12, min_chars: int = 200) -> list[str]:
    """Prose paragraphs from docstrings that ship with Python (text this course never trains on).
    Deterministic: fixed modules in a fixed order, the first `n` paragraphs that look like prose."""
    import importlib

    paragraphs = []
    for name in DOC_MODULES:
        module = importlib.import_module(name)
        text = (getattr(module, "__about__", "") or "") + "\n\n" + (module.__doc__ or "")
        for para in re.split(r"\n\s*\n", text):
            lines = para.strip("\n").splitlines()
            prose = " ".join(line.strip() for line in lines)
            letters = sum(ch.isalpha() or ch == " " for ch in prose) / max(1, len(prose))
            if prose[:1].isupper() and letters > 0.9 and len(prose) >= min_chars and prose not in paragraphs \
                    and not any(line.startswith(" ") for line in lines):
                paragraphs.append(prose)
    return paragraphs[:n]


def perplexity(llm: LLM, texts: list[str], model=None, max_len: int = 256) -> float:
    """exp(mean negative log-likelihood per token) of plain `texts` (no chat template)."""
    import torch

    model = model or llm.model
    total_nll, total_tokens = 0.0, 0
    for text in texts:
        ids = llm.tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"][:, :max_len].to(llm.device)
        with torch.no_grad():
            loss = model(input_ids=ids, labels=ids).loss
        total_nll += float(loss) * (ids.shape[1] - 1)
        total_tokens += ids.shape[1] - 1
    return math.exp(total_nll / total_tokens)


GENERAL_PROBE = [  # (question, accepted answers): twelve questions the base model answers correctly
    ("What is the capital of France?", ["Paris"]),
    ("What is the capital of Japan?", ["Tokyo"]),
    ("What is the capital of Germany?", ["Berlin"]),
    ("What is the capital of England?", ["London"]),
    ("What is the chemical symbol for gold?", ["Au"]),
    ("How many days are in a week?", ["seven", "7"]),
    ("What color is the sky on a clear day?", ["blue"]),
    ("What gas do plants absorb from the air?", ["carbon dioxide", "CO2"]),
    ("Who wrote Romeo and Juliet?", ["Shakespeare"]),
    ("What is the opposite of hot?", ["cold"]),
    ("What is 2 plus 2?", ["4", "four"]),
    ("What language is spoken in Spain?", ["Spanish"]),
]


def general_probe(llm: LLM, model=None, max_new_tokens: int = 24) -> list[dict]:
    """The GENERAL_PROBE questions with a plain chat prompt: one dict per question (question, reply, ok), where ok
    says whether an accepted answer appears in the reply."""
    from .evaluate import answer_match

    prompts = [llm.chat_prompt(q) for q, _ in GENERAL_PROBE]
    outs = generate(llm, prompts, max_new_tokens=max_new_tokens, batch_size=len(prompts), model=model)
    return [{"question": q, "reply": o["text"], "ok": answer_match(o["text"], answers[0], answers[1:])}
            for o, (q, answers) in zip(outs, GENERAL_PROBE)]

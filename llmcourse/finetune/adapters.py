"""The adapter cache: later notebooks load an adapter trained earlier, or (when it is missing or was trained
with other settings or data) train it with the same code and cache it under artifacts/adapters/<name>."""
from __future__ import annotations

import hashlib
import json
import os

from .. import models
from ..models import LLM
from ..paths import cache_dir
from .data import extraction_examples, style_examples
from .settings import EXTRACT_SETTINGS, STYLE_SETTINGS, LoraSettings
from .training import lora_model, train


def adapter_dir(name: str):
    return cache_dir("adapters", name)


def data_fingerprint(examples: list[dict]) -> str:
    """A short hash of the training examples: a cached adapter is reused only for the same data."""
    digest = hashlib.sha256(json.dumps([e["input_ids"] + e["labels"] for e in examples]).encode())
    return digest.hexdigest()[:16]


def save_adapter(model, name: str, settings: LoraSettings, stats: dict, fingerprint: str = "") -> None:
    path = adapter_dir(name)
    models.save_lora(model, path)
    meta = {"settings": settings.key(), "data": fingerprint, "stats": stats}
    (path / "course_meta.json").write_text(json.dumps(meta, indent=1))


def load_adapter(name: str, settings: LoraSettings | None = None, fingerprint: str | None = None):
    """(model with the cached adapter, training stats), or (None, None) when missing or trained differently."""
    path = adapter_dir(name)
    meta_file = path / "course_meta.json"
    if not meta_file.exists():
        return None, None
    meta = json.loads(meta_file.read_text())
    if settings is not None and meta["settings"] != settings.key():
        return None, None
    if fingerprint is not None and meta.get("data") != fingerprint:
        return None, None
    return models.load_lora(path), meta["stats"]


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
    from ..domain import load_tickets

    train_tickets = load_tickets("train")
    return get_adapter(llm, "house-style", lambda tok: style_examples(train_tickets, tok, STYLE_SETTINGS.max_len),
                       STYLE_SETTINGS, retrain=retrain)


def extraction_adapter(llm: LLM, retrain: bool = False):
    """The ticket classification + extraction adapter of notebook 02 (EXTRACT_SETTINGS): cached or trained."""
    from ..domain import load_tickets

    train_tickets = load_tickets("train")
    return get_adapter(llm, "ticket-extract",
                       lambda tok: extraction_examples(train_tickets, tok, EXTRACT_SETTINGS.max_len),
                       EXTRACT_SETTINGS, retrain=retrain)

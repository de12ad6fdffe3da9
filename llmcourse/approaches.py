"""Approaches as batch callables for `evaluate.run_eval`: items in, one output dict per item out.

This module holds the simplest one, the model with no help; RAG, fine-tuned and agent approaches live beside
the code they need (rag, finetune, agents) and follow the same contract (`evaluate.Output`).
"""
from __future__ import annotations

from .evaluate import generated
from .models import LLM, generate

ASSISTANT = "You are the assistant of Voltbird, a maker of e-bikes. Answer the question briefly."
SUPPORT = "You are a Voltbird customer support agent. Write the reply to the customer's message."


def item_prompt(llm: LLM, item: dict, system: str | None = None) -> str:
    """The chat prompt for an eval item: a ticket's message, or a question."""
    if "message" in item:
        return llm.chat_prompt(item["message"], system=system or SUPPORT)
    return llm.chat_prompt(item["question"], system=system or ASSISTANT)


def no_help(llm: LLM, max_new_tokens: int = 48, model=None, system: str | None = None):
    """The base model alone: no documents, no tools, no training. The baseline every lesson must beat."""
    def approach(items: list[dict]) -> list[dict]:
        prompts = [item_prompt(llm, it, system) for it in items]
        outs = generate(llm, prompts, max_new_tokens=max_new_tokens, batch_size=len(prompts), model=model)
        return [generated(o) for o in outs]
    return approach

"""Did fine-tuning cost general ability? Perplexity on prose the course never trains on (docstrings that ship
with Python), and a twelve-question probe of facts the base model knows."""
from __future__ import annotations

import math
import re

from ..models import LLM, generate

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
    from ..evaluate import answer_match

    prompts = [llm.chat_prompt(q) for q, _ in GENERAL_PROBE]
    outs = generate(llm, prompts, max_new_tokens=max_new_tokens, batch_size=len(prompts), model=model)
    return [{"question": q, "reply": o["text"], "ok": answer_match(o["text"], answers[0], answers[1:])}
            for o, (q, answers) in zip(outs, GENERAL_PROBE)]


def general_ability(llm: LLM, model, name: str, answers: list[str], first_names: list[str], paragraphs: list[str]) -> dict:
    """One row of the forgetting table: house style of `answers` (replies fully compliant; style rules kept, the mean
    over replies and rules) next to general ability (perplexity on `paragraphs`, accuracy on the general probe)."""
    from ..domain.style import RULES, check_style

    broken = [check_style(a, n) for a, n in zip(answers, first_names)]
    probe = general_probe(llm, model)
    return {"model": name, "style compliance": sum(not b for b in broken) / len(broken),
            "style rules kept": 1 - sum(map(len, broken)) / (len(broken) * len(RULES)),
            "perplexity": perplexity(llm, paragraphs, model),
            "probe accuracy": sum(p["ok"] for p in probe) / len(probe), "probe reply": probe[0]["reply"]}

"""Expert traces (synthetic training data) and the tool-calling adapter trained on them (notebooks 03 and 04).

Each task template's expert solver is defined next to its gold function in domain/tasks.py; here it runs with
the real tools and its calls are recorded as a trace.
"""
from __future__ import annotations

import json
import random

from .. import models
from ..domain import load_eval
from ..domain import tasks as T
from ..domain.phrasings import EXTRA_PHRASINGS, PHRASINGS_TRAIN
from .calls import execute
from .loop import Trace, agent_system, trace_messages
from .tools import ToolBox


def expert_trace(template: str, params: dict, tools: dict, question: str) -> Trace:
    """Solve a task the way a careful agent would, call by call, with the real tools: a training example."""
    trace = Trace(question)

    def call(text):
        step, answer = execute(text, tools)
        trace.steps.append(step)
        if answer is not None:
            trace.answer, trace.stopped = answer, "answered"
        return None if step.observation is None else json.loads(step.observation)

    T.TASK_TEMPLATES[template].expert(call, **params)
    trace.stopped = trace.stopped or "max_steps"
    return trace


def train_phrasings(template: str) -> list[str]:
    return PHRASINGS_TRAIN[template] + EXTRA_PHRASINGS[template]


def training_traces(tools: dict, conn, per_template: int = 12, seed: int = 0, exclude: set = frozenset(),
                    templates: list[str] | None = None) -> list[Trace]:
    """Expert traces for tasks built from training phrasings and entities outside `exclude` (the eval set's)."""
    rng, traces = random.Random(seed), []
    for template in templates or list(T.TEMPLATES):
        options = [p for p in T.candidates(template, conn) if T.entity_of(p) not in exclude]
        picks = [(p, rng.choice(train_phrasings(template))) for p in rng.sample(options, min(per_template, len(options)))]
        pairs = [(p, ph) for p in options for ph in train_phrasings(template) if (p, ph) not in picks]
        rng.shuffle(pairs)  # few entities (e.g. models): the same entity again, asked in another training phrasing
        for params, phrasing in picks + pairs[:per_template - len(picks)]:
            question = phrasing.format(**params)
            trace = expert_trace(template, params, tools, question)
            if trace.answer == T.compute_gold({"template": template, "params": params}, conn):
                traces.append(trace)  # keep only traces whose answer is right
    return traces


def encode_trace(tokenizer, trace: Trace, system: str, max_len: int = 512) -> dict:
    """A whole trace as one training sequence; the loss covers every assistant turn (each call the expert made)
    and nothing else. Cheaper than one example per step: the shared prefix is processed once."""
    return models.conversation_example(tokenizer, trace_messages(trace.question, trace.steps, system), max_len)


def trace_examples(tokenizer, traces: list[Trace], system: str, max_len: int = 512) -> list[dict]:
    return [encode_trace(tokenizer, t, system, max_len) for t in traces]


def agent_training_traces(box: ToolBox, per_template: int = 30) -> list[Trace]:
    """Expert traces over training phrasings and entities disjoint from the `tasks` eval set."""
    return training_traces(box.tools, box.conn, per_template=per_template, exclude=T.eval_entities(load_eval("tasks")))


def agent_settings():
    """LoRA on every linear layer of the top 12 blocks only: the backward pass stops there, so a step costs
    about half of a full-depth LoRA, and tool-call formatting is learned in a few dozen steps."""
    from ..finetune import top_blocks

    return top_blocks(steps=70, lr=2e-3, batch_size=4, max_len=512)


def tool_agent_adapter(llm, box: ToolBox, settings=None):
    """The tool-calling LoRA: loaded from the artifacts cache, or trained (same code) when missing."""
    from ..finetune import get_adapter

    traces = agent_training_traces(box)
    model, stats = get_adapter(llm, "tool_agent", lambda tok: trace_examples(tok, traces, agent_system(None)),
                               settings or agent_settings())
    return models.merge_lora(model), stats  # merged weights: inference as fast as the base model

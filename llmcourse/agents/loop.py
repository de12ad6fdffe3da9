"""The tool loop: many tasks advance together, one step per round, so that generation runs in batches.

A policy maps the unfinished traces to their next outputs: the LLM (llm_policy), an expert script or an attacker.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from .. import models
from .calls import execute


@dataclass
class Trace:
    question: str
    steps: list = field(default_factory=list)
    answer: str | None = None
    stopped: str | None = None  # "answered", "max_steps", "repeated_call"
    prompt_tokens: int = 0
    output_tokens: int = 0

    def show(self) -> str:
        lines = [f"Q: {self.question}"]
        for i, s in enumerate(self.steps, 1):
            lines.append(f"  step {i}: {s.output!r}")
            lines.append(f"          -> {s.error + ': ' if s.error else ''}{s.observation}")
        lines.append(f"  stopped: {self.stopped}; answer: {self.answer!r}")
        return "\n".join(lines)


MAX_STEPS = 6  # the course's default step budget: a task costs at most this many model calls


def run_agents(policy, questions: list[str], tools: dict, max_steps: int = MAX_STEPS) -> list[Trace]:
    """Step all questions together: each round asks the policy for the next output of every unfinished trace.
    `policy(traces) -> (outputs, prompt_tokens, output_tokens)` lists, one per trace."""
    traces = [Trace(q) for q in questions]
    for _ in range(max_steps):
        active = [t for t in traces if t.stopped is None]
        if not active:
            break
        outputs, p_tok, o_tok = policy(active)
        for trace, text, p, o in zip(active, outputs, p_tok, o_tok):
            trace.prompt_tokens += p
            trace.output_tokens += o
            step, answer = execute(text, tools)
            repeated = any(s.output.strip() == step.output.strip() for s in trace.steps)
            trace.steps.append(step)
            if answer is not None:
                trace.answer, trace.stopped = answer, "answered"
            elif repeated:
                trace.stopped = "repeated_call"  # a loop guard: the same output twice gives nothing new
    for trace in traces:
        trace.stopped = trace.stopped or "max_steps"
    return traces


def tool_manual(tools: dict) -> str:
    """One line per tool: its signature and the first line of its docstring."""
    lines = []
    for name, fn in tools.items():
        doc = (inspect.getdoc(fn) or "").splitlines()[0]
        lines.append(f"{name}{inspect.signature(fn)}: {doc}".replace("'", ""))
    return "\n".join(lines)


def agent_system(tools: dict | None) -> str:
    """The long system prompt for an untrained model (tools and rules), or the short one a tuned model needs."""
    if tools is None:
        return "You are the Voltbird agent. Reply with one tool call per message."
    return ("You are the Voltbird agent. Answer the question by calling tools. Reply with exactly one call per "
            "message, in Python syntax, and nothing else. After each call you get its result. When you know the "
            "answer, reply final_answer(\"...\").\nTools:\n" + tool_manual(tools) +
            "\nfinal_answer(answer): give the final answer.\nExample: get_order(\"VB-10301\")")


def trace_messages(question: str, steps: list, system: str) -> list[dict]:
    """A trace as chat messages: the question, then each call and its result."""
    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    for s in steps:
        messages += [{"role": "assistant", "content": s.output},
                     {"role": "user", "content": f"Result: {s.observation}"}]
    return messages


def llm_policy(llm, system: str, model=None, max_new_tokens: int = 48):
    """The LLM as a policy for run_agents: one batched generation per round."""
    def policy(traces):
        prompts = [llm.render(trace_messages(t.question, t.steps, system)) for t in traces]
        outs = models.generate(llm, prompts, max_new_tokens=max_new_tokens, batch_size=8, model=model, stop=["\n"])
        return [o["text"] for o in outs], [o["prompt_tokens"] for o in outs], [o["output_tokens"] for o in outs]
    return policy


def kb_searcher(index, k: int = 1):
    """KB search for the agent's search_kb tool: the top-k public chunks as (doc_id, text)."""
    return lambda query: [(c.doc_id, c.text) for c, _ in index.search(query, k, tenant=None)]

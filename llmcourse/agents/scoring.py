"""Agents as an eval approach (run_eval's contract), and what their traces tell: valid calls, failure modes."""
from __future__ import annotations

from .guardrails import verified
from .loop import MAX_STEPS, Trace, agent_system, llm_policy, run_agents


def agent_approach(llm, tools: dict, model=None, system: str | None = None, max_steps: int = MAX_STEPS,
                   verify: bool = False):
    """A run_eval approach for tasks: the tool loop, with per-task steps, LLM calls, tokens and the trace."""
    system = system or agent_system(None)

    def approach(items: list[dict]) -> list[dict]:
        traces = run_agents(llm_policy(llm, system, model=model), [it["question"] for it in items], tools, max_steps)
        outs = []
        for t in traces:
            answer = t.answer or ""
            if verify and not verified(t):
                answer = "I could not verify an answer from the tools."
            outs.append({"answer": answer, "steps": len(t.steps), "llm_calls": len(t.steps),
                         "prompt_tokens": t.prompt_tokens, "output_tokens": t.output_tokens, "trace": t})
        return outs
    return approach


def valid_call_rate(traces: list[Trace]) -> float:
    """Share of model outputs that parsed as a call to an existing tool with fitting arguments."""
    steps = [s for t in traces for s in t.steps]
    return sum(s.error in (None, "tool_error") for s in steps) / max(1, len(steps))


def failure_modes(traces: list[Trace]) -> dict:
    """Counts of what went wrong: step errors by kind, and how runs ended without an answer."""
    counts: dict = {}
    for t in traces:
        for s in t.steps:
            if s.error:
                counts[s.error] = counts.get(s.error, 0) + 1
        if t.stopped != "answered":
            counts[t.stopped] = counts.get(t.stopped, 0) + 1
    return counts


def task_ok(answer: str, task: dict) -> bool:
    """Task success, as the harness scores it (strict)."""
    from ..evaluate import strict_task_match

    return strict_task_match(answer or "", task["answer"], task["answer_type"], task.get("question", ""))


def majority_answerer(dev_tasks: list[dict]):
    """The trivial baseline for tasks: for each task, the most common gold answer among the dev tasks of its
    template ("delivered", "yes", the usual count), with no tool and no model call."""
    from collections import Counter

    common = {}
    for t in dev_tasks:
        common.setdefault(t["template"], Counter())[t["answer"]] += 1

    def approach(items: list[dict]) -> list[dict]:
        return [{"answer": common[it["template"]].most_common(1)[0][0] if it["template"] in common else "",
                 "llm_calls": 0, "steps": 0} for it in items]
    return approach

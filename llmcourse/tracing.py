"""Agent runs as OpenTelemetry spans (OpenInference conventions): capture them, show them as a tree, and find
where a failed run went wrong.

    with capture() as spans:          # smolagents is instrumented only inside the block
        agent.run("...")
    print(render_tree(span_tree(spans)))
    first_failed_step(spans)          # {"index": 2, "name": "Step 2", "why": "..."} or None

smolagents' instrumentor (openinference-instrumentation-smolagents) makes one AGENT span per run, a CHAIN span per
step ("Step 1", ...), an LLM span per model call (with token counts when the model reports them) and a TOOL span
per tool call. Everything stays in memory: no exporter, no network.
"""
from __future__ import annotations

import json
import re
from contextlib import contextmanager

from openinference.instrumentation.smolagents import SmolagentsInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

KIND = "openinference.span.kind"
PROMPT_TOKENS, COMPLETION_TOKENS = "llm.token_count.prompt", "llm.token_count.completion"
STEP_NAME = re.compile(r"^Step (\d+)$")
TEXT_CHARS = 60


class Spans(list):
    """The finished spans of a capture() block, oldest first (filled in when the block ends)."""


@contextmanager
def capture():
    """Instrument smolagents for the duration of the block; yields a list that holds the finished spans after it.

    Repeated use is safe (the instrumentation is removed on exit, even after an error); do not nest captures:
    there is one instrumentor, and the inner block would take it over."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = SmolagentsInstrumentor()
    was_on = instrumentor.is_instrumented_by_opentelemetry
    if was_on:  # a previous capture (or the notebook) left it on: re-point it at this block's provider
        instrumentor.uninstrument()
    instrumentor.instrument(tracer_provider=provider)
    spans = Spans()
    try:
        yield spans
    finally:
        instrumentor.uninstrument()
        provider.force_flush()
        spans.extend(sorted(exporter.get_finished_spans(), key=lambda s: s.start_time))
        provider.shutdown()


def _kind(span) -> str:
    return str(span.attributes.get(KIND, ""))


def _name(span) -> str:
    """The span's name; a TOOL span is named after its tool (the instrumentor names it after the Tool class)."""
    return str(span.attributes.get("tool.name") or span.name) if _kind(span) == "TOOL" else span.name


def _short(value, chars: int = TEXT_CHARS) -> str:
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    return text if len(text) <= chars else text[:chars - 3] + "..."


def _io(span) -> tuple[str, str]:
    """Short input and output text: a tool's arguments and result; the tool calls (or text) an LLM replied with."""
    a = span.attributes
    given, got = a.get("input.value"), a.get("output.value")
    if _kind(span) == "TOOL":
        try:
            given = json.dumps(json.loads(given).get("kwargs"), ensure_ascii=False)
        except (TypeError, ValueError, AttributeError):
            pass
    elif _kind(span) == "LLM":
        given = f"{len({k.split('.')[2] for k in a if k.startswith('llm.input_messages.')})} messages"
        prefix = "llm.output_messages.0.message."
        calls = [v for k, v in sorted(a.items()) if k.startswith(prefix + "tool_calls.") and k.endswith("function.name")]
        got = ", ".join(f"call {c}" for c in calls) or a.get(prefix + "content") or got
    return _short(given), _short(got)


def _error(span) -> str:
    """The span's error message ('' when it did not fail): the recorded exception, else the status description."""
    if span.status.status_code != StatusCode.ERROR:
        return ""
    for event in span.events:
        if event.name == "exception":
            return str(event.attributes.get("exception.message") or event.attributes.get("exception.type", "error"))
    return span.status.description or "error"


def span_tree(spans) -> list[dict]:
    """One row per span, depth-first (a parent, then its children by start time).

    A row: depth, name, kind (the OpenInference span kind), ms (latency), prompt_tokens and completion_tokens
    (None when not recorded), status (OK / ERROR / UNSET), error (its message), input and output (short text)."""
    ids = {s.context.span_id for s in spans}
    children = {}
    for s in sorted(spans, key=lambda s: s.start_time):
        parent = s.parent.span_id if s.parent is not None and s.parent.span_id in ids else None
        children.setdefault(parent, []).append(s)
    rows = []

    def visit(span, depth):
        a, (given, got) = span.attributes, _io(span)
        rows.append({"depth": depth, "name": _name(span), "kind": _kind(span),
                     "ms": round(max(span.end_time - span.start_time, 0) / 1e6, 2),
                     "prompt_tokens": a.get(PROMPT_TOKENS), "completion_tokens": a.get(COMPLETION_TOKENS),
                     "status": span.status.status_code.name, "error": _short(_error(span), 120),
                     "input": given, "output": got})
        for child in children.get(span.context.span_id, []):
            visit(child, depth + 1)

    for root in children.get(None, []):
        visit(root, 0)
    return rows


def render_tree(rows: list[dict], show_io: bool = True) -> str:
    """The rows of span_tree as an indented plain-text tree (no colours), one span per line."""
    lines = []
    for r in rows:
        tokens = f" tokens {r['prompt_tokens']}->{r['completion_tokens']}" if r["prompt_tokens"] is not None else ""
        head = f"{'  ' * r['depth']}{r['name']} [{r['kind'] or '-'}] {r['ms']:.1f} ms{tokens} {r['status']}"
        if r["error"]:
            head += f": {r['error']}"
        elif show_io and r["kind"] in ("TOOL", "LLM") and (r["input"] or r["output"]):
            head += f" | in: {r['input']} | out: {r['output']}"
        lines.append(head)
    return "\n".join(lines)


def first_failed_step(spans) -> dict | None:
    """The first step (by start time) whose own span, or a tool call inside it, ended in ERROR.

    Returns {"index": the step number, "name": "Step n", "why": the error message}, or None if no step failed."""
    by_id = {s.context.span_id: s for s in spans}

    def step_of(span):
        while span is not None:
            if STEP_NAME.match(span.name):
                return span
            span = by_id.get(span.parent.span_id) if span.parent is not None else None
        return None

    failed = {}  # step span id -> (step, the error message; a failed tool's own message wins over the step's)
    for s in spans:
        step = step_of(s)
        if step is not None and s.status.status_code == StatusCode.ERROR and (s is step or _kind(s) == "TOOL"):
            known = failed.get(step.context.span_id)
            if known is None or (_kind(s) == "TOOL" and s is not step):
                failed[step.context.span_id] = (step, f"{_name(s)}: {_error(s)}" if s is not step else _error(s))
    if not failed:
        return None
    step, why = min(failed.values(), key=lambda f: f[0].start_time)
    return {"index": int(STEP_NAME.match(step.name).group(1)), "name": step.name, "why": why}

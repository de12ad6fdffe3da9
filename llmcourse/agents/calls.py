"""One model output, handled: parse it as a call, validate it against the tools, run it.

The model speaks one line per step, a Python-style call:  get_order("VB-10234")  or  final_answer("2647.00")
"""
from __future__ import annotations

import ast
import inspect
import json
import sqlite3
from dataclasses import dataclass

from .tools import ToolError


@dataclass
class Call:
    name: str
    args: list
    kwargs: dict


class CallError(ValueError):
    """The model's output is not a valid call: kind is no_call, malformed, unknown_tool or bad_args."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def parse_call(text: str) -> Call:
    """Parse the first line of a model output as name(arg, key=value) with literal arguments only."""
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    if "(" not in line:
        raise CallError("no_call", "the output has no call")
    try:
        node = ast.parse(line, mode="eval").body
    except SyntaxError:
        raise CallError("malformed", f"cannot parse {line!r}") from None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise CallError("malformed", f"not a plain call: {line!r}")
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    except ValueError:
        raise CallError("malformed", "arguments must be literals (strings or numbers)") from None
    return Call(node.func.id, args, kwargs)


def validate(call: Call, tools: dict) -> inspect.BoundArguments:
    """The tool exists and the arguments fit its signature and types."""
    if call.name == "final_answer":
        if len(call.args) + len(call.kwargs) != 1:
            raise CallError("bad_args", "final_answer takes one answer")
        return None
    if call.name not in tools:
        raise CallError("unknown_tool", f"there is no tool {call.name!r}; tools: {', '.join(tools)}")
    sig = inspect.signature(tools[call.name])
    try:
        bound = sig.bind(*call.args, **call.kwargs)
    except TypeError as err:
        raise CallError("bad_args", f"{call.name}: {err}") from None
    for name, value in bound.arguments.items():
        want = sig.parameters[name].annotation
        want = {"str": str, "int": int}.get(want, want)
        if want in (str, int) and not isinstance(value, want):
            raise CallError("bad_args", f"{call.name}: {name} must be {want.__name__}, got {value!r}")
    return bound


@dataclass
class Step:
    output: str
    call: str | None = None
    observation: str | None = None
    error: str | None = None  # kind of failure: no_call, malformed, unknown_tool, bad_args, tool_error


def observe(value) -> str:
    """A tool result as the model sees it: JSON, cut to 600 characters."""
    return json.dumps(value, default=str, ensure_ascii=False)[:600]


def execute(text: str, tools: dict) -> tuple[Step, str | None]:
    """Parse, validate and run one model output. Returns the step and the final answer, if any."""
    step = Step(output=text)
    try:
        call = parse_call(text)
        validate(call, tools)
    except CallError as err:
        step.error, step.observation = err.kind, str(err)
        return step, None
    step.call = text.strip().splitlines()[0]
    if call.name == "final_answer":
        return step, str((call.args or list(call.kwargs.values()))[0])
    try:
        step.observation = observe(tools[call.name](*call.args, **call.kwargs))
    except (ToolError, sqlite3.Error, ValueError, TypeError) as err:
        step.error, step.observation = "tool_error", f"error: {err}"
    return step, None

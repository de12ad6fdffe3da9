"""smolagents glue: the course's tools as smolagents tools, and the local model as a smolagents Model.

Kept in one module so that an API change in smolagents (a fast-moving library) is one fix here.
Two modes for the model:
- "native": smolagents' own long prompt and JSON tool-call format, as any chat model would get it;
- "course": the same short trace format the tool-calling LoRA was trained on (notebook 03), with the model's
  Python-style call converted into a smolagents tool call.
"""
from __future__ import annotations

import ast
import inspect
import json
import os
import re
import sys
import typing
from contextlib import contextmanager

import smolagents
from smolagents import MCPClient, Tool, ToolCallingAgent
from smolagents.models import ChatMessage, ChatMessageToolCall, ChatMessageToolCallFunction, MessageRole, Model
from smolagents.monitoring import TokenUsage

from .agents import CallError, Step, ToolError, parse_call, trace_messages
from .models import LLM, generate, render_chat

_TYPES = {str: "string", int: "integer", float: "number"}


def as_tool(name: str, fn) -> Tool:
    """Wrap a ToolBox method as a smolagents Tool; it returns JSON text, the same as the course loop sees."""
    hints = typing.get_type_hints(fn)  # resolves string annotations (`from __future__ import annotations`)
    inputs = {p: {"type": _TYPES.get(hints.get(p), "string"), "description": p.replace("_", " ")}
              for p in inspect.signature(fn).parameters}

    class Wrapped(Tool):
        skip_forward_signature_validation = True

        def forward(self, **kwargs):
            return json.dumps(fn(**kwargs), default=str, ensure_ascii=False)

    Wrapped.name, Wrapped.description = name, (inspect.getdoc(fn) or name).splitlines()[0]
    Wrapped.inputs, Wrapped.output_type = inputs, "string"
    return Wrapped()


def _text(message) -> str:
    content = message["content"] if isinstance(message, dict) else message.content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content)
    return content or ""


def _role(message) -> str:
    role = message["role"] if isinstance(message, dict) else message.role
    return getattr(role, "value", role)


class CourseModel(Model):
    """The local LLM (base or with a LoRA) behind smolagents' Model interface."""

    def __init__(self, llm: LLM, model=None, mode: str = "native", system: str = "", max_new_tokens: int = 64):
        super().__init__(model_id=f"local:{llm.name}")
        self.llm, self.model, self.mode, self.system, self.max_new_tokens = llm, model, mode, system, max_new_tokens
        self.calls = []  # (prompt_tokens, output_tokens) per generation

    def _course_prompt(self, messages) -> str:
        question, steps = "", []
        for m in messages:
            role, text = _role(m), _text(m)
            if role == "user" and text.startswith("New task:"):
                question = text.split("\n", 1)[1].strip()
            elif role == "tool-call":
                call = ast.literal_eval(text.split("\n", 1)[1])[0]["function"]
                args = ", ".join(f"{k}={v!r}" for k, v in call["arguments"].items())
                steps.append(Step(output=f"{call['name']}({args})".replace("'", '"')))
            elif role == "tool-response" and steps:
                steps[-1].observation = text.split("\n", 1)[-1].strip()
        return render_chat(self.llm.tokenizer, trace_messages(question, steps, self.system))

    def _native_prompt(self, messages) -> str:
        roles = {"tool-call": "assistant", "tool-response": "user"}
        chat = [{"role": roles.get(_role(m), _role(m)), "content": _text(m)} for m in messages]
        return render_chat(self.llm.tokenizer, chat)

    def generate(self, messages, stop_sequences=None, response_format=None, tools_to_call_from=None, **kwargs):
        prompt = self._course_prompt(messages) if self.mode == "course" else self._native_prompt(messages)
        out = generate(self.llm, [prompt], max_new_tokens=self.max_new_tokens, model=self.model)[0]
        self.calls.append((out["prompt_tokens"], out["output_tokens"]))
        usage = TokenUsage(out["prompt_tokens"], out["output_tokens"])  # smolagents' own token accounting (and spans)
        if self.mode != "course":
            return ChatMessage(role=MessageRole.ASSISTANT, content=out["text"], token_usage=usage)  # smolagents parses
        tools = {t.name: t for t in tools_to_call_from or []}
        try:
            call = parse_call(out["text"])
            params = list(tools[call.name].inputs) if call.name in tools else []
            args = {**dict(zip(params, call.args)), **call.kwargs}
        except (CallError, KeyError):
            return ChatMessage(role=MessageRole.ASSISTANT, content=out["text"], token_usage=usage)
        fn = ChatMessageToolCallFunction(name=call.name, arguments=args)
        return ChatMessage(role=MessageRole.ASSISTANT, content="", token_usage=usage,
                           tool_calls=[ChatMessageToolCall(id=f"call_{len(self.calls)}", type="function", function=fn)])


def smol_agent(llm: LLM, tools, model=None, mode: str = "native", system: str = "", max_steps: int = 4):
    """A smolagents ToolCallingAgent over the local model and `tools`: the course tools (name -> function) or
    smolagents Tools as they are (e.g. from `mcp_tools`)."""
    engine = CourseModel(llm, model=model, mode=mode, system=system)
    # verbosity -1: smolagents prints nothing (its coloured logs would land in stored outputs); notebooks print errors
    return _agent(tools, engine, max_steps), engine


def _agent(tools, model: Model, max_steps: int) -> ToolCallingAgent:
    """The one place a ToolCallingAgent is built: course tools (name -> function) are wrapped with `as_tool`,
    smolagents Tools are taken as they are."""
    wrapped = [as_tool(name, fn) for name, fn in tools.items()] if isinstance(tools, dict) else list(tools)
    return ToolCallingAgent(tools=wrapped, model=model, max_steps=max_steps, verbosity_level=-1)


# --- Scripted replies (tests, tracing demos) and the course tools over MCP ---

def tool_call_message(name: str, arguments: dict, call_id: str = "call_0", prompt_tokens: int | None = None,
                      completion_tokens: int | None = None) -> ChatMessage:
    """One assistant message asking for one tool call (final_answer included), optionally with its token usage."""
    usage = TokenUsage(prompt_tokens, completion_tokens) if prompt_tokens is not None else None
    fn = ChatMessageToolCallFunction(name=name, arguments=arguments)
    return ChatMessage(role=MessageRole.ASSISTANT, content="", token_usage=usage,
                       tool_calls=[ChatMessageToolCall(id=call_id, type="function", function=fn)])


class ScriptedModel(Model):
    """A fake smolagents Model that replies with pre-written ChatMessages, one per generate call, in order."""

    # what the OpenInference instrumentor reads when a reply carries no token_usage (it fails without them)
    last_input_token_count = last_output_token_count = 0

    def __init__(self, replies: list[ChatMessage]):
        super().__init__(model_id="scripted")
        self.replies, self.calls = list(replies), 0

    def generate(self, messages, stop_sequences=None, response_format=None, tools_to_call_from=None, **kwargs):
        if self.calls >= len(self.replies):
            raise RuntimeError(f"ScriptedModel ran out of replies after {self.calls} calls")
        self.calls += 1
        return self.replies[self.calls - 1]


# The OpenInference instrumentor wraps `generate` of the Model classes that the smolagents module exports, so the
# course's models are listed there too: with tracing on, their calls become LLM spans (both report token_usage).
for _cls in (CourseModel, ScriptedModel):
    setattr(smolagents, _cls.__name__, _cls)


def scripted_agent(tools: dict, replies: list[ChatMessage], max_steps: int = 4):
    """A ToolCallingAgent over course tools (name -> function) whose model replies from a script."""
    return _agent(tools, ScriptedModel(replies), max_steps)


def course_mcp_server(db_path=None, kb: bool = True):
    """Launch parameters for the course's MCP server (this Python, -m llmcourse.mcp_server) over stdio."""
    from .mcp_server import server_parameters

    return server_parameters(db_path=db_path, kb=kb)


MCP_ERROR = re.compile(r"^Error executing tool \w+: ")  # how FastMCP words a tool's error (the text that comes back)


def raising_mcp_tool(tool: Tool) -> Tool:
    """An MCP tool that raises ToolError when the server answers with a tool error, as the local tools do.

    smolagents' MCP client hands an error back as ordinary text; raised, it reaches the model as a failed call
    (with the tool's own message) and shows as an ERROR span in traces."""
    class Raising(Tool):
        skip_forward_signature_validation = True

        def forward(self, **kwargs):
            out = tool.forward(**kwargs)
            if isinstance(out, str) and MCP_ERROR.match(out):
                raise ToolError(MCP_ERROR.sub("", out, count=1))
            return out

    Raising.name, Raising.description, Raising.inputs, Raising.output_type = \
        tool.name, tool.description, tool.inputs, tool.output_type
    return Raising()


@contextmanager
def mcp_tools(server_parameters=None, raise_errors: bool = True):
    """The tools of an MCP server (default: the course's) as smolagents Tools, through smolagents' MCP client.

    The server runs as a subprocess while the with-block is open (starting it takes a few seconds). With
    raise_errors, a tool error raises ToolError (see raising_mcp_tool); without, it comes back as text."""
    _route_server_stderr()
    with MCPClient(server_parameters or course_mcp_server(), adapter_kwargs={"connect_timeout": MCP_CONNECT_TIMEOUT},
                   structured_output=False) as tools:
        yield [raising_mcp_tool(t) for t in tools] if raise_errors else list(tools)


MCP_CONNECT_TIMEOUT = 120  # seconds: a busy 2-core machine can take far longer than the library's 30 to start a server


def _route_server_stderr() -> None:
    """Send the MCP server's own log lines to this process's real stderr, or to /dev/null when it has none.

    mcp's `stdio_client` takes `errlog=sys.stderr` as bound when it was imported; inside some Jupyter kernels
    (nbval's) that stream has no file descriptor to hand to a subprocess, the server never starts and the client
    only reports a connection timeout. smolagents' MCP client (through mcpadapt) offers no way to pass errlog."""
    import mcpadapt.core

    from .mcp_server import stdio_client_logging_to

    try:
        sys.__stderr__.fileno()
        errlog = sys.__stderr__
    except (AttributeError, OSError, ValueError):
        errlog = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    mcpadapt.core.stdio_client = stdio_client_logging_to(errlog)

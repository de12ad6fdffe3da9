"""The course's read-only shop tools served over MCP (the Model Context Protocol), on stdio.

Every ToolBox tool keeps its name, typed parameters and docstring; a result is the same JSON text the course
loop and the smolagents tools see. A ToolError (a bad order id, a write through run_sql, ...) comes back to the
client as an MCP tool error carrying the tool's message. The database is opened read-only (SQLite mode=ro), and
run_sql refuses anything but one SELECT before it reaches SQLite.

    python -m llmcourse.mcp_server [--db PATH] [--no-kb]     # or VOLTBIRD_DB=PATH; serves until stdin closes

Kept in one module so that an API change in the mcp SDK (a fast-moving library) is one fix here.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import typing

from mcp import StdioServerParameters
from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations

from . import domain
from .agents import ToolBox, kb_searcher

SERVER_NAME = "voltbird"
DB_ENV = "VOLTBIRD_DB"
READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)


def course_toolbox(db_path=None, kb: bool = True) -> ToolBox:
    """The ToolBox the server exposes: a read-only connection, and search_kb over the public KB (BM25, no model)."""
    search = None
    if kb:
        from . import rag

        search = kb_searcher(rag.BM25Index(rag.chunk_all(domain.load_kb(tenants=False))))
    return ToolBox(domain.connect(db_path or os.environ.get(DB_ENV) or None), kb_search=search)


def as_mcp_function(name: str, fn):
    """A ToolBox method as a plain function FastMCP can register: same name, typed parameters and docstring;
    it returns the tool's result as JSON text."""
    hints = typing.get_type_hints(fn)
    params = [p.replace(annotation=hints.get(p.name, str)) for p in inspect.signature(fn).parameters.values()]

    def tool(**kwargs):
        return json.dumps(fn(**kwargs), default=str, ensure_ascii=False)

    tool.__name__, tool.__qualname__, tool.__doc__ = name, name, inspect.getdoc(fn) or name
    tool.__signature__ = inspect.Signature(params, return_annotation=str)
    tool.__annotations__ = {**{p.name: p.annotation for p in params}, "return": str}
    return tool


def build_server(box: ToolBox | None = None) -> FastMCP:
    """A FastMCP server exposing every tool of the box (default: course_toolbox()) as a read-only MCP tool."""
    box = box or course_toolbox()
    server = FastMCP(SERVER_NAME, instructions="Read-only tools over the Voltbird shop database and knowledge base.",
                     log_level="WARNING")
    for name, fn in box.tools.items():
        server.add_tool(as_mcp_function(name, fn), name=name, description=inspect.getdoc(fn) or name,
                        annotations=READ_ONLY, structured_output=False)
    return server


def server_parameters(db_path=None, kb: bool = True) -> StdioServerParameters:
    """How a client launches this server over stdio: the same Python, `-m llmcourse.mcp_server`."""
    args = ["-m", "llmcourse.mcp_server"] + (["--db", str(db_path)] if db_path else []) + ([] if kb else ["--no-kb"])
    return StdioServerParameters(command=sys.executable, args=args, env=dict(os.environ))


def stdio_client_logging_to(errlog):
    """mcp's stdio client with the server's stderr sent to `errlog` (a stream with a file descriptor); see
    `smol.mcp_tools` for why the default (sys.stderr as bound at import) does not do inside every Jupyter kernel."""
    import functools

    from mcp.client.stdio import stdio_client

    return functools.partial(stdio_client, errlog=errlog)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help=f"the shop database (default: ${DB_ENV}, else the course's data/voltbird.sqlite)")
    parser.add_argument("--no-kb", action="store_true", help="leave out search_kb")
    args = parser.parse_args(argv)
    build_server(course_toolbox(args.db, kb=not args.no_kb)).run("stdio")


if __name__ == "__main__":
    main()


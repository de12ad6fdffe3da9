"""The course tools over MCP: the stdio server lists every ToolBox tool, answers like the ToolBox, refuses bad
arguments and writes with the tool's message, and smolagents' own MCP client can call it."""
import asyncio
import json
from contextlib import closing

import pytest
from mcp import ClientSession
from mcp.client.stdio import stdio_client

from llmcourse import agents, domain
from llmcourse.mcp_server import server_parameters

EXPECTED = {"find_customer", "list_orders", "get_order", "get_shipment", "get_stock", "list_bookings", "calculator",
            "days_between", "add_months", "today", "run_sql", "search_kb"}


async def _session_run(calls):
    """Start the server, list its tools, then make the calls [(name, args)]; returns (tools, results)."""
    async with stdio_client(server_parameters()) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = (await session.list_tools()).tools
        results = [await session.call_tool(name, args) for name, args in calls]
    return tools, results


def _order_count() -> int:
    with closing(domain.connect()) as conn:
        return conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]


@pytest.fixture(scope="module")
def served():
    before = _order_count()
    calls = [("get_order", {"order_id": "VB-10234"}), ("get_order", {"order_id": "10234"}),
             ("run_sql", {"query": "DELETE FROM orders"}), ("days_between", {"start": "2026-01-01", "end": "2026-03-02"})]
    tools, results = asyncio.run(_session_run(calls))
    return {"tools": {t.name: t for t in tools}, "results": results, "before": before}


def test_server_lists_every_toolbox_tool_with_types_and_docs(served):
    tools = served["tools"]
    assert set(tools) == EXPECTED
    with closing(domain.connect()) as conn:
        box = agents.ToolBox(conn, kb_search=lambda q: [])
    assert set(box.tools) == set(tools)
    assert tools["get_order"].description == box.get_order.__doc__
    assert tools["list_orders"].inputSchema["properties"]["customer_id"]["type"] == "integer"
    assert tools["days_between"].inputSchema["required"] == ["start", "end"]
    assert all(t.annotations.readOnlyHint for t in tools.values())


def test_read_tool_agrees_with_the_toolbox(served):
    ok, _, _, days = served["results"]
    with closing(domain.connect()) as conn:
        box = agents.ToolBox(conn)
        assert not ok.isError and json.loads(ok.content[0].text) == box.get_order("VB-10234")
        assert json.loads(days.content[0].text) == box.days_between("2026-01-01", "2026-03-02") == 60


def test_bad_argument_is_an_mcp_tool_error_with_the_clear_message(served):
    bad = served["results"][1]
    assert bad.isError and "order ids look like VB-10234, got '10234'" in bad.content[0].text


def test_write_through_sql_is_refused_and_the_db_is_unchanged(served):
    write = served["results"][2]
    assert write.isError and "only a single SELECT statement is allowed" in write.content[0].text
    assert _order_count() == served["before"] > 0


def test_smolagents_mcp_client_calls_the_course_server_and_traces_a_failed_call():
    from llmcourse.smol import ScriptedModel, ToolCallingAgent, course_mcp_server, mcp_tools
    from llmcourse.smol import tool_call_message as reply
    from llmcourse.tracing import capture, first_failed_step

    script = [reply("get_order", {"order_id": "VB-1"}, "c1"), reply("final_answer", {"answer": "unknown"}, "c2")]
    with mcp_tools(course_mcp_server(kb=False)) as tools:
        by_name = {t.name: t for t in tools}
        assert set(by_name) == EXPECTED - {"search_kb"}
        assert by_name["get_order"].inputs["order_id"]["type"] == "string"
        out = by_name["get_order"](order_id="VB-10234")
        with pytest.raises(agents.ToolError, match=r"^order ids look like VB-10234, got 'nope'$"):
            by_name["get_order"](order_id="nope")
        with capture() as spans:
            agent = ToolCallingAgent(tools=tools, model=ScriptedModel(script), max_steps=3, verbosity_level=-1)
            assert agent.run("What is in order VB-1?") == "unknown"
    with closing(domain.connect()) as conn:
        assert json.loads(out) == agents.ToolBox(conn).get_order("VB-10234")
    failed = first_failed_step(spans)
    assert failed["index"] == 1 and "order ids look like VB-10234, got 'VB-1'" in failed["why"]

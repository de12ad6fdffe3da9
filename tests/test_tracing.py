"""Agent runs as OpenInference spans: a scripted smolagents run (no LLM) gives agent -> step -> LLM/tool spans,
with latencies and token counts, and the failing run's first bad step is found from the spans alone."""
import re

import pytest

from llmcourse import agents, domain
from llmcourse.smol import ScriptedModel, scripted_agent
from llmcourse.smol import tool_call_message as reply
from llmcourse.tracing import capture, first_failed_step, render_tree, span_tree

QUESTION = "What is the total of order VB-10234?"


@pytest.fixture(scope="module")
def tools():
    conn = domain.connect()
    box = agents.ToolBox(conn)
    yield {"get_order": box.get_order, "calculator": box.calculator}
    conn.close()


def run(tools, replies):
    with capture() as spans:
        answer = scripted_agent(tools, replies).run(QUESTION)
    return answer, spans


def test_successful_run_is_a_tree_of_agent_step_llm_and_tool_spans(tools):
    total = tools["get_order"]("VB-10234")["total_eur"]
    answer, spans = run(tools, [reply("get_order", {"order_id": "VB-10234"}, "c1", 120, 9),
                                reply("final_answer", {"answer": f"{total:.2f}"}, "c2", 150, 7)])
    assert answer == f"{total:.2f}"
    rows = span_tree(spans)
    assert [(r["depth"], r["name"], r["kind"]) for r in rows] == [
        (0, "ToolCallingAgent.run", "AGENT"),
        (1, "Step 1", "CHAIN"), (2, "ScriptedModel.generate", "LLM"), (2, "get_order", "TOOL"),
        (1, "Step 2", "CHAIN"), (2, "ScriptedModel.generate", "LLM"), (2, "final_answer", "TOOL")]
    assert all(r["ms"] >= 0 and r["status"] != "ERROR" for r in rows)
    llm = [r for r in rows if r["kind"] == "LLM"]
    assert [(r["prompt_tokens"], r["completion_tokens"]) for r in llm] == [(120, 9), (150, 7)]
    assert rows[0]["prompt_tokens"] == 270 and rows[0]["completion_tokens"] == 16  # the run adds them up
    assert rows[3]["input"] == '{"order_id": "VB-10234"}' and rows[3]["output"].startswith('{"order_date"')
    assert first_failed_step(spans) is None


def test_failing_run_first_failed_step_and_plain_text_tree(tools):
    answer, spans = run(tools, [reply("calculator", {"expression": "2 + 2"}, "c1"),
                                reply("get_order", {"order_id": "10234"}, "c2"),
                                reply("final_answer", {"answer": "0.00"}, "c3")])
    assert answer == "0.00"  # a wrong answer, given after the failed call
    failed = first_failed_step(spans)
    assert failed["index"] == 2 and failed["name"] == "Step 2"
    assert "get_order" in failed["why"] and "order ids look like VB-10234, got '10234'" in failed["why"]
    rows = span_tree(spans)
    tool_rows = [r for r in rows if r["kind"] == "TOOL"]
    assert [(r["name"], r["status"]) for r in tool_rows] == [("calculator", "OK"), ("get_order", "ERROR"),
                                                             ("final_answer", "OK")]
    assert all(r["prompt_tokens"] == 0 for r in rows if r["kind"] == "LLM")  # this script reports no usage
    text = render_tree(rows)
    assert not re.search(r"\x1b\[", text)
    assert len(text.splitlines()) == len(rows) == 10
    assert "  Step 2 [CHAIN]" in text and "get_order [TOOL]" in text and "ERROR: order ids look like" in text


def test_capture_removes_the_instrumentation_afterwards(tools):
    generate = ScriptedModel.generate
    with capture() as spans:
        assert ScriptedModel.generate is not generate  # wrapped while capturing
    assert spans == [] and ScriptedModel.generate is generate
    scripted_agent(tools, [reply("final_answer", {"answer": "ok"})]).run(QUESTION)
    answer, again = run(tools, [reply("final_answer", {"answer": "ok"})])  # a second capture works the same
    assert answer == "ok" and [r["name"] for r in span_tree(again)][:2] == ["ToolCallingAgent.run", "Step 1"]


# ---------------------------------------------------------------- exercise 03.5: the failed step, from spans alone

def failed_step(rows):  # what a learner writes: the step of the first ERROR (the step itself or a tool inside it)
    step = None
    for r in rows:
        if r["kind"] == "CHAIN" and r["name"].startswith("Step "):
            step = (int(r["name"].split()[1]), r["depth"])
            if r["status"] == "ERROR":
                return step[0]
        elif step is not None and r["depth"] <= step[1]:
            step = None
        elif step is not None and r["kind"] == "TOOL" and r["status"] == "ERROR":
            return step[0]
    return None


def test_exercise_03_5_passes_a_right_answer_and_fails_plausible_wrong_ones():
    from llmcourse.coursework import ExerciseFailed, check
    from llmcourse.coursework.ex03 import _scripted_runs

    runs = _scripted_runs()
    assert sorted(want for _, want in runs.values() if want) == [1, 1, 2] and None in [w for _, w in runs.values()]
    check("03.5", failed_step)
    tools_only = lambda rows: failed_step([r for r in rows if r["kind"] != "CHAIN" or r["status"] != "ERROR"])  # noqa: E731
    last = lambda rows: max((int(r["name"].split()[1]) for r in rows if r["name"].startswith("Step ")  # noqa: E731
                             and r["status"] == "ERROR"), default=None)
    first_row = lambda rows: next((i for i, r in enumerate(rows) if r["status"] == "ERROR"), None)  # noqa: E731
    for wrong in (tools_only, last, lambda rows: 1, first_row):
        with pytest.raises(ExerciseFailed, match="failed_step"):
            check("03.5", wrong)

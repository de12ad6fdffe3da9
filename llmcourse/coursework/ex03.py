"""Checkers for the exercises of notebook 03 (agents)."""
from __future__ import annotations

from .checks import exercise, expect


@exercise("03.1", "write a validated read-only tool",
          "Return the number of units (an int, 0 when there are none) of bike `model` in `warehouse`; raise "
          "agents.ToolError, before querying the stock, when `warehouse` is not one of the shop's warehouses.",
          hints=("The shop's warehouses are the distinct values of the warehouse column of `stock`: read them and "
                 "compare before anything else. Give the ToolError a message that lists the valid warehouses, so the "
                 "agent can correct itself.",
                 "`stock` has rows per sku, while the model name lives in `products`: join the two tables on sku, "
                 "filter on model and warehouse, and add up the quantities. Pass the values as ? parameters, never "
                 "by formatting them into the SQL.",
                 "Select SUM(s.qty) from stock s joined with products p on p.sku = s.sku, where p.model = ? and "
                 "s.warehouse = ?; .fetchone()[0] is None when nothing matched, so return int(value or 0)."))
def _check_03_1(warehouse_stock):
    from ..agents import ToolError
    from ..domain import connect

    with connect() as conn:
        row = conn.execute("SELECT p.model, s.warehouse, s.qty FROM stock s JOIN products p ON p.sku = s.sku "
                           "ORDER BY s.qty DESC LIMIT 1").fetchone()
        got = warehouse_stock(conn, row[0], row[1])
        expect(got == row[2], f"warehouse_stock(conn, {row[0]!r}, {row[1]!r}) returned {got!r}, expected {row[2]}")
        call = f"warehouse_stock(conn, {row[0]!r}, 'Atlantis')"
        try:
            got = warehouse_stock(conn, row[0], "Atlantis")
        except ToolError:
            return
        except NotImplementedError:
            raise
        except Exception as err:  # noqa: BLE001 - report what was raised instead
            raise AssertionError(f"{call} raised {type(err).__name__}: {err}, expected agents.ToolError") from None
        raise AssertionError(f"{call} returned {got!r}, expected agents.ToolError (an unknown warehouse is refused "
                             "before any query)")


@exercise("03.2", "parse a tool call",
          "Return (name, args) for a line like get_stock('Metro S2'): the function's name and the list of its argument "
          "values; raise ValueError for anything that is not a plain call by name with literal positional arguments.",
          hints=("Never eval the text: parse it with the `ast` module (imported for you), which builds a syntax tree "
                 "without running anything. ast.parse(text, mode='eval') parses a single expression.",
                 "The parsed expression (.body) must be an ast.Call whose .func is an ast.Name (not an attribute such "
                 "as os.system) and that has no keyword arguments; raise ValueError otherwise, and also turn the "
                 "SyntaxError of broken text into a ValueError.",
                 "ast.literal_eval(node) evaluates one argument node when it is a literal and raises ValueError "
                 "otherwise (a variable, a call); return node.func.id with the list of literal_eval of each node.args."))
def _check_03_2(parse_tool_call):
    cases = [('get_stock("Metro S2")', ("get_stock", ["Metro S2"])),
             ('days_between("2026-01-01", "today")', ("days_between", ["2026-01-01", "today"]))]
    for text, want in cases:
        got = parse_tool_call(text)
        expect(got == want, f"parse_tool_call({text!r}) returned {got!r}, expected {want!r}")
    for bad in ["hello there", "get_stock(model)", "os.system('rm')", "get_stock(", "print(open('x'))"]:
        try:
            got = parse_tool_call(bad)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as err:  # noqa: BLE001 - report what was raised instead
            raise AssertionError(f"parse_tool_call({bad!r}) raised {type(err).__name__}: {err}, expected ValueError "
                                 "(not a plain call with literal arguments)") from None
        raise AssertionError(f"parse_tool_call({bad!r}) returned {got!r}, expected ValueError "
                             "(not a plain call with literal arguments)")


@exercise("03.3", "check a final answer against the tool results",
          "Return True when every number in `answer` is among the numbers of `observations` (compared as values: "
          "2149.00 matches 2149.0) or, for an answer without numbers, when the lower-cased answer occurs in the "
          "lower-cased observations; else False.",
          hints=("Join the observations into one lower-case string first: both tests look at that text.",
                 "re.findall with a pattern for an optional minus sign, digits and an optional decimal part lists the "
                 "numbers of a string; turn each one into a float so that '2149.00' and '2149.0' compare equal.",
                 "With numbers in the answer: build the set of floats found in the observations and return whether "
                 "all of the answer's floats are in it. Without: return whether answer.lower() is `in` the joined text."))
def _check_03_3(grounded):
    obs = ['{"qty": 12, "warehouse": "Lyon"}', '{"line_total_eur": 2149.0}']
    cases = [("2149.00", True), ("12", True), ("13", False), ("Lyon", True), ("Leipzig", False),
             ("All bikes are free", False), ("2149 and 12", True)]
    for answer, want in cases:
        got = grounded(answer, list(obs))
        expect(bool(got) == want, f"grounded({answer!r}, {obs}) returned {got}, expected {want}")


def _scripted_runs() -> dict[str, tuple[list[dict], int | None]]:
    """Four short smolagents runs with a scripted model (no LLM, a second or two): for each, the rows of its
    span tree and the step that went wrong first, as `tracing.first_failed_step` finds it from the spans."""
    from .. import agents, domain
    from ..smol import ChatMessage, MessageRole, scripted_agent
    from ..smol import tool_call_message as call
    from ..tracing import capture, first_failed_step, span_tree

    scripts = {
        "a malformed order id in step 2, a refused write in step 3": [
            call("calculator", {"expression": "2 + 2"}), call("get_order", {"order_id": "10234"}),
            call("run_sql", {"query": "DELETE FROM orders"}), call("final_answer", {"answer": "0.00"})],
        "a refused SQL write in step 1, then a good run": [call("run_sql", {"query": "DELETE FROM orders"}),
                                                           call("get_order", {"order_id": "VB-10234"}),
                                                           call("final_answer", {"answer": "done"})],
        "a reply with no tool call in step 1 (no TOOL row: the step itself failed)": [
            ChatMessage(role=MessageRole.ASSISTANT, content="The total is probably 5."),
            call("get_order", {"order_id": "VB-10234"}), call("final_answer", {"answer": "done"})],
        "no failure at all": [call("get_order", {"order_id": "VB-10234"}), call("final_answer", {"answer": "done"})]}
    runs = {}
    with domain.connect() as conn:
        box = agents.ToolBox(conn)
        tools = {name: box.tools[name] for name in ("get_order", "calculator", "run_sql")}
        for name, replies in scripts.items():
            with capture() as spans:
                scripted_agent(tools, replies).run("What is the total of order VB-10234?")
            runs[name] = (span_tree(spans), (first_failed_step(spans) or {}).get("index"))
    return runs


@exercise("03.5", "find the failed step from the spans",
          "Return the number n of the first 'Step n' row whose own status is 'ERROR', or that holds a TOOL row whose "
          "status is 'ERROR'; None when no step failed. `rows` is `tracing.span_tree(spans)`: depth-first dicts with "
          "depth, name, kind, status and error.",
          hints=("The rows come parent first, then its children, so every row that belongs to a step comes after the "
                 "step's own row and has a larger depth. Print render_tree(rows) of the traced run above to see it.",
                 "Walk the rows once and remember the current step: a row named 'Step n' (kind 'CHAIN') starts one; a "
                 "row whose depth is not larger than that step's depth ends it.",
                 "Return int(name.split()[1]) of the current step at the first row that is the step itself with status "
                 "'ERROR' or a 'TOOL' row inside it with status 'ERROR'; return None after the loop."))
def _check_03_5(failed_step):
    for name, (rows, want) in _scripted_runs().items():
        got = failed_step([dict(r) for r in rows])
        expect(got == want, f"failed_step(rows of a run with {name}) returned {got!r}, expected {want!r} "
                            "(print tracing.render_tree(rows) to see where the ERROR sits)")

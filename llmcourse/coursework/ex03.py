"""Checkers for the exercises of notebook 03 (agents)."""
from __future__ import annotations

from .checks import exercise, expect


@exercise("03.1", "write a validated read-only tool",
          "Read the known warehouses with SELECT DISTINCT warehouse FROM stock; raise agents.ToolError for any other; "
          "then SUM(qty) over stock JOIN products ON sku WHERE model = ? AND warehouse = ?.")
def _check_03_1(warehouse_stock):
    from ..agents import ToolError
    from ..domain import connect

    with connect() as conn:
        row = conn.execute("SELECT p.model, s.warehouse, s.qty FROM stock s JOIN products p ON p.sku = s.sku "
                           "ORDER BY s.qty DESC LIMIT 1").fetchone()
        got = warehouse_stock(conn, row[0], row[1])
        expect(got == row[2], f"warehouse_stock(conn, {row[0]!r}, {row[1]!r}) returned {got!r}, expected {row[2]}")
        try:
            warehouse_stock(conn, row[0], "Atlantis")
        except ToolError:
            pass
        else:
            raise AssertionError("an unknown warehouse must raise agents.ToolError before any query")


@exercise("03.2", "parse a tool call",
          "node = ast.parse(text.strip(), mode='eval').body must be an ast.Call whose func is an ast.Name; "
          "args = [ast.literal_eval(a) for a in node.args]; raise ValueError otherwise (also for SyntaxError).")
def _check_03_2(parse_tool_call):
    expect(parse_tool_call('get_stock("Metro S2")') == ("get_stock", ["Metro S2"]), "simple call not parsed")
    expect(parse_tool_call('days_between("2026-01-01", "today")') == ("days_between", ["2026-01-01", "today"]),
           "two arguments not parsed")
    for bad in ["hello there", "get_stock(model)", "os.system('rm')", "get_stock(", "print(open('x'))"]:
        try:
            parse_tool_call(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} must raise ValueError (not a plain call with literal arguments)")


@exercise("03.3", "check a final answer against the tool results",
          "Join the observations into one lower-case string; for numbers compare as floats (re.findall(r'-?\\d+(?:\\.\\d+)?')); "
          "otherwise test `answer.lower() in seen`.")
def _check_03_3(grounded):
    obs = ['{"qty": 12, "warehouse": "Lyon"}', '{"line_total_eur": 2149.0}']
    cases = [("2149.00", True), ("12", True), ("13", False), ("Lyon", True), ("Leipzig", False),
             ("All bikes are free", False), ("2149 and 12", True)]
    for answer, want in cases:
        got = grounded(answer, obs)
        expect(bool(got) == want, f"grounded({answer!r}, ...) returned {got}, expected {want}")

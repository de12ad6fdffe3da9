"""Checkers for the exercises of notebook 00."""
from __future__ import annotations

from .checks import exercise, expect


@exercise("00.1", "normalize and match an answer",
          "Lower-case both sides with evaluate.normalize, then look for the gold answer (or an alias) as whole words "
          "inside the prediction: pad both with spaces and use `in`.")
def _check_00_1(is_correct):
    cases = [("The range is 62 km.", "62 km", [], True), ("It costs €149", "149 EUR", ["€149"], True),
             ("Code E-2170", "E-217", [], False), ("no idea", "30 days", ["thirty days"], False),
             ("Thirty days, as usual", "30 days", ["thirty days"], True)]
    for pred, gold, aliases, want in cases:
        got = is_correct(pred, gold, aliases)
        expect(bool(got) == want, f"is_correct({pred!r}, {gold!r}, {aliases}) returned {got}, expected {want}")


@exercise("00.2", "count orders per status with SQL",
          "SELECT status, COUNT(*) FROM orders GROUP BY status, then turn the rows into a dict.")
def _check_00_2(orders_per_status):
    from ..domain import connect

    with connect() as conn:
        want = dict(conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())
        got = orders_per_status(conn)
    expect(isinstance(got, dict), f"expected a dict of status -> count, got {type(got).__name__}")
    expect(got == want, f"counts differ: got {got}, expected {want}")

"""Checkers for the exercises of notebook 00."""
from __future__ import annotations

from .checks import exercise, expect


@exercise("00.1", "normalize and match an answer",
          "Return True when the gold answer or any of the aliases, once passed through `normalize`, appears as whole "
          "words in the normalized prediction `pred`; else False.",
          hints=("normalize(text) lower-cases and drops punctuation, articles and currency words. Apply it to the "
                 "prediction and to every candidate answer: the gold one and each alias.",
                 "A plain substring test is too loose: '217' is inside 'e 2170'. Whole words means: the candidate with "
                 "a space on each side is inside the prediction with a space on each side.",
                 "Pad the normalized prediction with one space at each end, then return any(...) over [gold, *aliases] "
                 "of ' ' + normalize(candidate) + ' ' being `in` the padded prediction."))
def _check_00_1(is_correct):
    cases = [("The range is 62 km.", "62 km", [], True), ("It costs €149", "149 EUR", ["€149"], True),
             ("Code E-2170", "E-217", [], False), ("no idea", "30 days", ["thirty days"], False),
             ("Thirty days, as usual", "30 days", ["thirty days"], True)]
    for pred, gold, aliases, want in cases:
        got = is_correct(pred, gold, aliases)
        expect(bool(got) == want, f"is_correct({pred!r}, {gold!r}, {aliases}) returned {got}, expected {want}")


@exercise("00.2", "count orders per status with SQL",
          "Return a dict {status: number of orders} covering every order status, computed with SQL on `conn`.",
          hints=("The table is `orders` and it has a `status` column. Let the database do the counting in one query "
                 "instead of looping over the orders in Python.",
                 "COUNT(*) together with GROUP BY on the status column gives one row per status: (status, count).",
                 "conn.execute(sql).fetchall() returns a list of (status, count) tuples, and dict() turns such a list "
                 "straight into {status: count}."))
def _check_00_2(orders_per_status):
    from ..domain import connect

    with connect() as conn:
        want = dict(conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())
        got = orders_per_status(conn)
    expect(isinstance(got, dict), f"orders_per_status(conn) returned a {type(got).__name__}, expected a dict status -> count")
    expect(got == want, f"orders_per_status(conn) returned {got}, expected {want}")

"""Decision exercise 04.4: a router that reads only the request's text, judged on the dev mixed items.

Notebook 04 scores every approach on every mixed item and writes the per-item scores
(results/items/04_combining.json). A router picks one approach per item from its text alone (no labels, no kind,
no framework answers: what a production system sees). Its dev score is the mean score of the approaches it picked.
The trivial baseline is the best single approach on dev, sent everything. The router passes when it beats that
baseline by MARGIN on dev. The notebook reports the test score afterwards; the check never reads it.
"""
from __future__ import annotations

from .checks import exercise, expect

MARGIN = 0.1  # dev score above the best single approach that the check asks for


def item_scores(split: str | None = None) -> list[dict]:
    """The committed per-item rows of notebook 04 (id, split, kind, question, scores: approach -> 0/1)."""
    from ..results import load_items

    rows = load_items("04_combining")
    return [r for r in rows if split is None or r["split"] == split]


def routed_score(route, rows: list[dict]) -> float:
    """Mean score when every item goes to route(question)."""
    return sum(r["scores"][route(r["question"])] for r in rows) / len(rows)


def single_scores(rows: list[dict]) -> dict[str, float]:
    """Mean score of each approach sent every item (the trivial routers)."""
    names = rows[0]["scores"]
    return {n: sum(r["scores"][n] for r in rows) / len(rows) for n in names}


@exercise("04.4", "route requests by their text",
          "Write route(question) -> str returning one of combine.APPROACHES for a request, from its text alone. The "
          "check sends every dev mixed item to the approach you pick and passes when the mean score beats the best "
          f"single approach (sent everything) by {MARGIN}.",
          hints=("Look at the dev mixed items (decide04.item_scores('dev')): which words tell a fact question, a "
                 "ticket to answer, a ticket to classify and a task on live data apart?",
                 "The score table by kind in section 3 says which approach wins each kind; the router only has to "
                 "recognise the kind from the wording and send it there.",
                 "Key on phrases: a request to classify or route a ticket, a customer message that needs a reply, a "
                 "question about an order or stock (a live-data task), and send the rest to a retrieval approach."))
def _check_04_4(route):
    from ..combine import APPROACHES

    rows = item_scores("dev")
    picks = {r["id"]: route(r["question"]) for r in rows}
    bad = next((p for p in picks.values() if p not in APPROACHES), None)
    expect(bad is None, f"route() returned {bad!r}; expected one of {APPROACHES}")
    mine, singles = routed_score(route, rows), single_scores(rows)
    best = max(singles, key=singles.get)
    worst_kind = {}
    for r in rows:
        worst_kind.setdefault(r["kind"], []).append(r["scores"][picks[r["id"]]])
    by_kind = ", ".join(f"{k} {sum(v) / len(v):.2f}" for k, v in sorted(worst_kind.items()))
    print(f"{len(rows)} dev items: your router scores {mine:.3f}; the best single approach ({best}) {singles[best]:.3f}; "
          f"by kind: {by_kind}")
    expect(mine >= singles[best] + MARGIN,
           f"router dev score {mine:.3f}, expected at least {singles[best] + MARGIN:.3f} (always {best!r}: "
           f"{singles[best]:.3f}, + {MARGIN}); by kind: {by_kind}")


ANSWER_BAR = 0.8  # share of dev items on which each of the five answers must equal the data's tag


def _answers(answer_five, rows: list[dict]) -> list[dict]:
    from ..domain.mixed import FRAMEWORK_KEYS

    got = [answer_five(dict(r["request"])) for r in rows]
    bad = next((a for a in got if not isinstance(a, dict) or set(a) != set(FRAMEWORK_KEYS)
                or not all(isinstance(v, bool) for v in a.values())), None)
    expect(bad is None, f"answer_five() returned {bad!r}; expected a dict of five booleans with the keys {FRAMEWORK_KEYS}")
    return got


@exercise("04.3", "answer the five questions from the request",
          "Write answer_five(request) -> dict: the five framework answers (booleans, keys of fw.QUESTIONS) for a "
          "request given as its text, channel, dealer and source_updated. The check compares your answers with the "
          f"data's tags on every dev mixed item and passes when each question agrees on at least {ANSWER_BAR:.0%} of them.",
          hints=("Look at the dev requests (the table above): which field settles each question? The channel says who "
                 "asks and what for, the dealer says whose data it is, source_updated says whether this week's update "
                 "touched the document the question needs.",
                 "A customer email (channel 'inbox: ...') needs a behaviour: the house style or a label. Only a reply "
                 "cites. Help-desk questions about an order, a customer or 'today' need live data in several steps.",
                 "Question 5 (reliability first) is yes when an error would cost the most: another dealer's private "
                 "data, or a number computed from a customer's records. Knowledge that changes weekly: source_updated "
                 "on a help-desk question."))
def _check_04_3(answer_five):
    from ..domain.mixed import FRAMEWORK_KEYS
    from ..framework import answer_agreement

    rows = item_scores("dev")
    agree = answer_agreement(_answers(answer_five, rows), [r["framework"] for r in rows])
    print(f"{len(rows)} dev requests; your answers agree with the tags on: "
          + ", ".join(f"Q{i} {agree[k]:.2f}" for i, k in enumerate(FRAMEWORK_KEYS, 1)))
    worst = min(agree, key=agree.get)
    wrong = [r["request"] for r, a in zip(rows, _answers(answer_five, rows)) if a[worst] != r["framework"][worst]]
    expect(agree[worst] >= ANSWER_BAR, f"question {worst!r} agrees on {agree[worst]:.2f} of dev items, expected at "
           f"least {ANSWER_BAR}; one request you answered differently from the tag: {wrong[0]}")

"""Decision exercise 00.3: a strict scorer, judged on labelled answers built from the dev split of the qa set.

Every answerable qa item gives five answers with a label that follows from how it was made: the value alone and
the value in a sentence that restates the question (both right), the whole gold document pasted (padded: the
value is in there, but so is everything else), the value next to another item's value (a hedge), and another
item's value (wrong). A scorer is judged by its agreement with these labels, so the bound on padding is the
learner's choice and the measurement says whether it was a good one.
"""
from __future__ import annotations

from .checks import exercise, expect

THRESHOLD = 0.95  # agreement with the labels on dev that the check asks for


def labelled_answers(split: str = "dev") -> list[dict]:
    """(question, gold, aliases, answer, kind, label) rows for every answerable qa item of a split."""
    from .. import domain
    from ..evaluate import stated_numbers

    docs = {d.id: d.text for d in domain.load_kb()}
    items = [q for q in domain.load_eval("qa", split=split) if q["answer"]]
    rows = []
    for i, q in enumerate(items):
        mine = stated_numbers(" ".join([q["answer"], *q["aliases"]]))
        other = next(o["answer"] for o in items[i + 1:] + items[:i] if stated_numbers(o["answer"])
                     and not stated_numbers(o["answer"]) & mine)
        made = [(f"{q['answer']}.", "value alone", True),
                (f"The answer to “{q['question']}” is {q['answer']}.", "restated question", True),
                (docs[q["doc_ids"][0]], "pasted document", False),
                (f"{q['answer']}, or perhaps {other}.", "hedged with another value", False),
                (f"The answer is {other}.", "another item's value", False)]
        rows += [{"id": q["id"], "question": q["question"], "gold": q["answer"], "aliases": q["aliases"],
                  "answer": answer, "kind": kind, "label": label} for answer, kind, label in made]
    return rows


def agreement(scorer, rows: list[dict]) -> float:
    """Share of rows where scorer(answer, gold, aliases, question) equals the label."""
    return sum(bool(scorer(r["answer"], r["gold"], r["aliases"], r["question"])) == r["label"] for r in rows) / len(rows)


@exercise("00.3", "a strict scorer that rejects padded answers",
          "Write strict_is_correct(pred, gold, aliases, question) -> bool: True only when the prediction states the gold "
          "value and is not padded or hedged. Choose your own bound on padding; the check measures your scorer "
          f"against labelled answers on the dev split and asks for at least {THRESHOLD:.0%} agreement.",
          hints=("Start from is_correct (exercise 00.1): a strict answer must pass it too, then add conditions that "
                 "reject the two kinds of bad answer it lets through: pasted documents and hedges.",
                 "Padding: count the words of the normalized prediction that are in neither the gold value nor the "
                 "question, and reject when there are more than a small bound (try 5 to 15). Hedges: a second number "
                 "that is not the gold's.",
                 "evaluate.stated_numbers(text) gives the numbers written as words; require "
                 "stated_numbers(pred) <= stated_numbers(gold, aliases and question together)."))
def _check_00_3(strict_is_correct):
    rows = labelled_answers("dev")
    wrong = [r for r in rows if bool(strict_is_correct(r["answer"], r["gold"], r["aliases"], r["question"])) != r["label"]]
    score = 1 - len(wrong) / len(rows)
    by_kind = {}
    for r in wrong:
        by_kind.setdefault(r["kind"], r)
    cases = "; ".join(f"{k} (e.g. answer {r['answer'][:60]!r} for gold {r['gold']!r}: expected {r['label']}, got "
                      f"{not r['label']})" for k, r in by_kind.items())
    expect(score >= THRESHOLD, f"your scorer agrees with {score:.3f} of the {len(rows)} labelled dev answers, "
                               f"below {THRESHOLD}; it disagrees on: {cases}")

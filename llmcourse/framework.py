"""The five-question framework of notebook 04, measured.

- a request as a router sees it (`request_view`): its text, the channel it came in on, the dealer it concerns,
  and whether the knowledge-base document it retrieves was touched by this week's update. No kind, no gold tags;
- question 5 with a measured proxy (`reliability`): each approach's success on the **dev** items that questions
  1-4 send to it. A reliability-first request only goes to an approach that reaches `RELIABILITY_BAR` there;
- `agreement`: how often a recommendation is the measured winner, over every item (an item no approach solved
  counts as a miss).
"""
from __future__ import annotations

from .domain.mixed import FRAMEWORK_KEYS

QUESTIONS = dict(zip(FRAMEWORK_KEYS, [
    "Does the knowledge change weekly or faster?",
    "Must the answer cite its sources?",
    "Must the model behave differently (style, format, labels), not just know more?",
    "Does the task need several steps on live data?",
    "Is reliability more important than capability?",
]))
RELIABILITY_BAR = 0.8  # dev success an approach needs before a reliability-first request may go to it

# Where a request comes in. A real system knows this without reading the text; it does not know the item's kind.
CHANNELS = {"kb_fact": "help desk", "fresh_fact": "help desk", "live_task": "help desk", "kb_live_task": "help desk",
            "tenant_fact": "dealer portal", "ticket_reply": "inbox: reply", "classify": "inbox: route"}


def request_view(item: dict, index, changed: set[str]) -> dict:
    """What a router may read about a mixed item: text, channel, dealer (or None) and `source_updated`, whether
    the top document the retriever finds for the text (in the dealer's documents for a dealer request) is one the
    update changed. The retriever can be wrong, so this signal is measured, not given."""
    dealer = item["gold"].get("tenant") if item["kind"] == "tenant_fact" else None
    top = index.search(item["question"], 1, tenant=dealer)
    return {"text": item["question"], "channel": CHANNELS[item["kind"]], "dealer": dealer,
            "source_updated": bool(top) and top[0][0].doc_id in changed}


def reliability(rows: list[dict], choose) -> dict[str, float]:
    """Question 5's proxy: for each approach, its mean score on the rows (per-item rows of notebook 04, dev only)
    whose framework answers `choose` sends to it. An approach no row is sent to is unmeasured: 0.0, not trusted."""
    from .combine import APPROACHES

    sent = {name: [] for name in APPROACHES}
    for r in rows:
        if r["split"] != "dev":
            raise ValueError(f"reliability is measured on dev items only; {r['id']} is {r['split']}")
        sent[choose(r["framework"])].append(r["scores"][choose(r["framework"])])
    return {name: sum(s) / len(s) if s else 0.0 for name, s in sent.items()}


def agreement(recommended: list[str], winners: list[str | None]) -> float:
    """Share of items whose recommendation is the measured winner; an unsolved item (winner None) is a miss."""
    if len(recommended) != len(winners) or not winners:
        raise ValueError("agreement needs one recommendation per item, and at least one item")
    return sum(r == w for r, w in zip(recommended, winners)) / len(winners)


def answer_agreement(answers: list[dict], tags: list[dict]) -> dict[str, float]:
    """Per question: the share of items whose answer equals the data's tag."""
    return {k: sum(bool(a.get(k)) == t[k] for a, t in zip(answers, tags)) / len(tags) for k in FRAMEWORK_KEYS}

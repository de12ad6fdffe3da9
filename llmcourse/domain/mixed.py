"""The mixed routing set (mixed.jsonl): items of seven kinds made from qa items, tasks and held-out tickets, each
tagged with the answers to the five framework questions its kind raises. A mixed item takes the split of the item
it was made from."""
FRAMEWORK_KEYS = ["knowledge_changes_weekly", "needs_citations", "behaviour_change",
                  "multistep_live_data", "reliability_over_capability"]

# Which framework questions an item of each kind answers with "yes":
#   kb_fact      - a stable fact from a document: cite the source.
#   fresh_fact   - a fact touched by the weekly KB update: it changes, and must be cited.
#   tenant_fact  - a dealer's private fact: cite it, and never leak another dealer's data.
#   ticket_reply - a reply in the house style: a behaviour/format change that cites kb ids.
#   classify     - pick one of six fixed labels: a behaviour the model must learn.
#   live_task    - several DB look-ups with a computed, exact answer.
#   kb_live_task - live DB look-ups combined with a cited KB policy value.
FRAMEWORK_BY_KIND = {
    "kb_fact": {"needs_citations"},
    "fresh_fact": {"knowledge_changes_weekly", "needs_citations"},
    "tenant_fact": {"needs_citations", "reliability_over_capability"},
    "ticket_reply": {"behaviour_change", "needs_citations"},
    "classify": {"behaviour_change"},
    "live_task": {"multistep_live_data", "reliability_over_capability"},
    "kb_live_task": {"multistep_live_data", "needs_citations", "reliability_over_capability"},
}


def framework(kind):
    return {k: k in FRAMEWORK_BY_KIND[kind] for k in FRAMEWORK_KEYS}


def qa_gold(q):
    keys = ["answer", "aliases", "doc_ids", "tenant", "changes_after_update",
            "answer_after", "aliases_after", "doc_ids_after"]
    return {k: q[k] for k in keys}


def mixed_item(kind, question, ref, gold, first_name=None):
    return {"kind": kind, "question": question, "ref": ref, "first_name": first_name,
            "framework": framework(kind), "gold": gold}


def _half_each(pool, n, rng):
    """n items of pool, half (rounded down) from the dev split and the rest from test, so both splits of the
    mixed set hold every kind of request."""
    from . import split_of
    dev = [x for x in pool if split_of(x["id"]) == "dev"]
    test = [x for x in pool if split_of(x["id"]) == "test"]
    return rng.sample(dev, n // 2) + rng.sample(test, n - n // 2)


def build_mixed(qa, tasks, heldout, rng):
    stable = [q for q in qa if q["tenant"] == "public" and not q["changes_after_update"]]
    fresh = [q for q in qa if q["changes_after_update"]]
    tenant = [q for q in qa if q["tenant"] != "public"]
    live = [t for t in tasks if not t["needs_kb"]]
    kb_live = [t for t in tasks if t["needs_kb"]]
    items = []
    for q in _half_each(stable, 8, rng):
        items.append(mixed_item("kb_fact", q["question"], q["id"], qa_gold(q)))
    for q in _half_each(fresh, 6, rng):
        items.append(mixed_item("fresh_fact", q["question"], q["id"], qa_gold(q)))
    for q in _half_each(tenant, 6, rng):
        items.append(mixed_item("tenant_fact", q["question"], q["id"], qa_gold(q)))
    for t in _half_each(heldout, 8, rng):
        gold = {"reply": t["reply"], "category": t["category"], "fields": t["fields"], "doc_ids": t["doc_ids"]}
        items.append(mixed_item("ticket_reply", t["message"], t["id"], gold, t["first_name"]))
    replied = {item["ref"] for item in items}
    for t in _half_each([t for t in heldout if t["id"] not in replied], 6, rng):
        items.append(mixed_item("classify", t["message"], t["id"], {"category": t["category"]}, t["first_name"]))
    for t in _half_each(live, 6, rng) + _half_each(kb_live, 6, rng):
        kind = "kb_live_task" if t["needs_kb"] else "live_task"
        gold = {k: t[k] for k in ("answer", "answer_type", "template", "params", "needs_kb")}
        items.append(mixed_item(kind, t["question"], t["id"], gold))
    rng.shuffle(items)
    # a mixed item belongs to the split of the item it was made from, so no test question is seen on dev
    from . import split_of
    return [{"id": f"mix-{split_of(item['ref'])}-{i:03d}", **item} for i, item in enumerate(items, 1)]

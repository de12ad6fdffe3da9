"""Tests for the Voltbird toy domain (llmcourse.domain) and the generated files under data/."""
import random
import re
import shutil
import sqlite3

import pytest

import llmcourse.domain as dom
from llmcourse.domain import content as C
from llmcourse.domain import docs as D
from llmcourse.domain import tasks as T
from llmcourse.domain import tickets as TK
from llmcourse.domain.build import build_all
from llmcourse.domain.db import TABLES, advance_today, connect, table_rows
from llmcourse.domain.evalsets import question_shape
from llmcourse.domain.style import RULES, check_style, extract_refs, is_compliant

DATA = dom.DATA_DIR
KINDS = {"manual", "troubleshooting", "policy", "service", "faq", "release_notes", "forum"}


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("data"), seed=0)


def db_contents(path):
    conn = sqlite3.connect(path)
    rows = {t: table_rows(conn, t) for t in TABLES}
    conn.close()
    return rows


# ---------------------------------------------------------------- determinism and counts

HAND_WRITTEN = {"ood"}  # questions written by hand for another corpus (rag.outofdomain), not built from the domain


def test_rebuild_matches_committed_data(rebuilt):
    committed = sorted(rel for p in DATA.rglob("*") if p.is_file() and p.suffix != ".sqlite"
                       and (rel := p.relative_to(DATA)).parts[0] not in HAND_WRITTEN)
    fresh = sorted(p.relative_to(rebuilt) for p in rebuilt.rglob("*") if p.is_file() and p.suffix != ".sqlite")
    assert committed == fresh
    for rel in committed:
        assert (DATA / rel).read_bytes() == (rebuilt / rel).read_bytes(), rel
    assert db_contents(DATA / "voltbird.sqlite") == db_contents(rebuilt / "voltbird.sqlite")


def test_counts_meet_minimums():
    s = dom.summary()
    minimums = {"kb_docs": 40, "tenant_docs": 4, "update_docs": 6, "orders": 200, "customers": 60,
                "tickets_train": 300, "tickets_heldout": 60, "qa_items": 80, "task_items": 50,
                "mixed_items": 40}
    for key, minimum in minimums.items():
        assert s[key] >= minimum, (key, s[key])


def test_orders_span_about_120_days():
    conn = connect()
    first, last = conn.execute("SELECT MIN(order_date), MAX(order_date) FROM orders").fetchone()
    assert T.days_between(first, last) >= 110
    assert conn.execute("SELECT value FROM meta WHERE key='today'").fetchone()[0] == C.TODAY


# ---------------------------------------------------------------- knowledge base

def test_public_docs_shape(kb):
    public = [d for d in kb if d.tenant == "public"]
    assert len({d.id for d in public}) == len(public)
    for d in public:
        assert d.kind in KINDS and d.product_line in {"metro", "ridge", "haul", "all"}
        assert 100 <= len(d.text.split()) <= 300, d.id
        assert 2 <= len(re.findall(r"^## ", d.text, re.M)) <= 4, d.id
    hostile = [d for d in public if d.meta.get("hostile") is True]
    assert len(hostile) == 1 and hostile[0].kind == "forum"
    text = hostile[0].text
    assert "cancel_order" in text and "DELETE FROM orders" in text and "ignore all previous" in text.lower()


def test_tenant_docs_only_carry_their_tenant(kb):
    for dealer in C.DEALERS:
        docs = [d for d in kb if d.path.parent.name == dealer]
        assert len(docs) >= 2
        assert all(d.tenant == dealer and d.id.startswith(dealer + "-") for d in docs)
        other_dealers = [C.DEALERS[x]["name"] for x in C.DEALERS if x != dealer]
        assert not any(name in d.text for d in docs for name in other_dealers)
    assert all(d.tenant == "public" for d in dom.load_kb(tenants=False))


def test_week2_updates(kb):
    updates = dom.load_updates()
    ids = {d.id for d in kb}
    assert len(updates) >= 6 and all(u.date == C.UPDATE_DATE for u in updates)
    actions = {u.meta["action"] for u in updates}
    assert actions == {"add", "replace", "remove"}
    for u in updates:
        if u.meta["action"] == "add":
            assert u.id not in ids
        else:
            assert u.meta["target"] in ids and u.id == u.meta["target"]
    after = dom.apply_updates(kb, updates)
    assert len(after) == len(kb) + sum(u.meta["action"] == "add" for u in updates) \
        - sum(u.meta["action"] == "remove" for u in updates)


def all_rendered_docs():
    public = D.public_docs()
    return public + D.tenant_docs() + [doc for _, doc in D.update_docs(D.key_to_id(public))]


def test_every_kb_source_template_is_used_and_filled(monkeypatch):
    used = set()
    read = D.read_template

    def spy(path):
        used.add(path)
        return read(path)

    monkeypatch.setattr(D, "read_template", spy)
    docs = all_rendered_docs()
    files = {p.relative_to(D.SOURCE_DIR).as_posix() for p in D.SOURCE_DIR.rglob("*.md")}
    assert used == files
    for doc in docs:
        assert not re.search(r"[{}]", doc["body"] + doc["meta"]["title"]), doc["meta"]["id"]


def test_accessory_shipping_comes_from_content(qa):
    shipping = next(d for d in D.public_docs() if d["key"] == "shipping")
    assert C.euros(C.ACCESSORY_SHIPPING_EUR) == "6.90"
    assert f"only accessories ship for €{C.euros(C.ACCESSORY_SHIPPING_EUR)} in every zone" in shipping["body"]
    assert any(q["answer"] == "€6.90" for q in qa)


# ---------------------------------------------------------------- QA eval set

def test_qa_answers_appear_in_cited_docs(kb, qa):
    before = {d.id: d.text.lower() for d in kb}
    after = {d.id: d.text.lower() for d in dom.apply_updates(kb, dom.load_updates())}
    for q in qa:
        if q["answer"] is not None:
            assert any(q["answer"].lower() in before[i] for i in q["doc_ids"]), q["id"]
        if q["answer_after"] is not None:
            assert any(q["answer_after"].lower() in after[i] for i in q["doc_ids_after"]), q["id"]


def test_qa_answers_are_not_spread_over_other_docs(kb, qa):
    """A cited answer span should not also occur (as a whole token) in uncited docs."""
    for q in qa:
        if q["answer"] is None:
            continue
        pattern = re.compile(r"(?<!\w)" + re.escape(q["answer"].lower()) + r"(?!\w)")
        others = [d.id for d in kb if d.id not in q["doc_ids"] and pattern.search(d.text.lower())]
        assert not others, (q["id"], others)


def test_qa_mix(qa):
    tenant_items = [q for q in qa if q["tenant"] != "public"]
    assert len(tenant_items) >= 12 and {q["tenant"] for q in tenant_items} == set(C.DEALERS)
    changing = [q for q in qa if q["changes_after_update"]]
    assert len(changing) >= 8
    assert all(q["answer"] != q["answer_after"] for q in changing)
    assert any(q["answer"] is None for q in changing) and any(q["answer_after"] is None for q in changing)
    assert all(q["answer"] == q["answer_after"] for q in qa if not q["changes_after_update"])


# ---------------------------------------------------------------- tickets and house style

def test_gold_replies_follow_house_style():
    for split in ("train", "heldout"):
        for t in dom.load_tickets(split):
            assert check_style(t["reply"], t["first_name"]) == [], t["id"]
            assert len(t["reply"].split()) <= 70
            assert extract_refs(t["reply"]) == t["doc_ids"]
            assert t["category"] in C.TICKET_CATEGORIES


GOOD = "Hi Anna,\nThanks for your message.\n1. Do this.\n2. Do that.\nRef: kb-012, kb-031\n— Voltbird Care Team"
BROKEN = {
    "greeting": GOOD.replace("Hi Anna,", "Hello Anna!"),
    "acknowledgement": GOOD.replace("Thanks for your message.", "Thanks. We got your message."),
    "steps": GOOD.replace("2. Do that.", "Do that."),
    "reference": GOOD.replace("Ref: kb-012, kb-031", "Ref: see the manual"),
    "signoff": GOOD.replace("— Voltbird Care Team", "Cheers, Voltbird"),
    "length": GOOD.replace("Do this.", "Do this " + "very " * 90 + "carefully."),
}


def test_good_example_is_compliant():
    assert is_compliant(GOOD) and is_compliant(GOOD, "Anna")
    assert check_style(GOOD, "Jonas") == ["greeting"]


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rule_catches_a_broken_example(rule):
    assert check_style(BROKEN[rule], "Anna") == [rule]


def test_more_broken_step_blocks():
    five_steps = GOOD.replace("2. Do that.", "2. a\n3. b\n4. c\n5. d")
    wrong_order = GOOD.replace("2. Do that.", "3. Do that.")
    assert "steps" in check_style(five_steps) and "steps" in check_style(wrong_order)


def test_ticket_categories_have_one_source():
    for table in (TK.TRAIN_TEMPLATES, TK.UNSEEN_TEMPLATES, TK.REPLIES):
        assert set(table) == set(C.TICKET_CATEGORIES)


def test_train_and_heldout_tickets_are_disjoint():
    train, held = dom.load_tickets("train"), dom.load_tickets("heldout")
    names = lambda ts: {(t["first_name"], t["last_name"]) for t in ts}  # noqa: E731
    orders = lambda ts: {t["fields"]["order_id"] for t in ts} - {None}  # noqa: E731
    assert not names(train) & names(held)
    assert not {t["first_name"] for t in train} & {t["first_name"] for t in held}
    assert not orders(train) & orders(held)
    assert sum(t["unseen_phrasing"] for t in held) >= 0.3 * len(held)
    assert not any(t["unseen_phrasing"] for t in train)



def _ticket_splits():
    held = dom.load_tickets("heldout")
    return (dom.load_tickets("train"), [t for t in held if dom.split_of(t["id"]) == "dev"],
            [t for t in held if dom.split_of(t["id"]) == "test"])


def test_test_reply_bodies_repeat_no_train_or_dev_body():
    train, dev, test = _ticket_splits()
    seen = {TK.reply_body(t["reply"]) for t in train + dev}
    assert [t["id"] for t in test if TK.reply_body(t["reply"]) in seen] == []
    assert len(test) >= 30 and {t["category"] for t in test} == set(C.TICKET_CATEGORIES)


def test_reply_body_ignores_only_the_greeting():
    a = "Hi Anna,\nThanks for asking.\n1. Do this.\nRef: kb-001\nBest, the Voltbird team"
    assert TK.reply_body(a) == TK.reply_body(a.replace("Anna", "Wiebke"))
    assert TK.reply_body(a) != TK.reply_body(a.replace("Do this", "Do that"))


def test_dev_and_test_tickets_have_their_own_customers_and_reserved_values():
    train, dev, test = _ticket_splits()
    assert not {t["first_name"] for t in dev} & {t["first_name"] for t in test}
    for t in train + dev + test:
        for slot, reserved in TK.TEST_ONLY.get(t["category"], {}).items():
            value = t["fields"]["error_code"] if slot == "code" else None
            if slot == "model":  # the reply names the bike whether or not the message does
                value = next(m["model"] for m in C.MODELS if f"your {m['model']}" in t["reply"])
            assert (value in reserved) == (t in test), t["id"]


def test_test_questions_have_wordings_of_their_own(qa):
    dev = {question_shape(q["question"]) for q in qa if dom.split_of(q["id"]) == "dev"}
    test = [q for q in qa if dom.split_of(q["id"]) == "test"]
    assert len(test) >= 60 and [q["question"] for q in test if question_shape(q["question"]) in dev] == []


def test_question_shape_masks_entities_only():
    assert question_shape("What does error code E-101 mean?") == question_shape("What does error code E-305 mean?")
    assert question_shape("How far does the Metro S2 go?") == question_shape("How far does the Haul C2 go?")
    assert question_shape("How far does the Metro S2 go?") != question_shape("How heavy is the Metro S2?")


# Facts a house-style reply must quote from the document its Ref: line cites (storage charge, error meanings,
# warranty terms, delivery times, booking notice, ...). A qa answer found inside a training reply is allowed only
# when it is such a fact: a support reply that withheld them would be a wrong reply. Notebook 02's knowledge-cutoff
# section asks only week-2 answers, which no training reply contains.
QUOTED_DOC_KEYS = {"battery:", "charging", "trouble:", "warranty", "shipping", "returns", "booking", "inspection"}


def test_qa_answers_inside_training_replies_are_quoted_facts(qa):
    ids = {v: k for k, v in D.key_to_id(D.public_docs() + D.tenant_docs()).items()}
    replies = [t["reply"] for t in dom.load_tickets("train")]
    inside = [q for q in qa if q["answer"] and any(q["answer"] in r for r in replies)]
    unjustified = [q["id"] for q in inside
                   if not any(ids[d].startswith(tuple(QUOTED_DOC_KEYS)) for d in q["doc_ids"])]
    assert unjustified == [] and len(inside) < len(qa) / 4
    after = [q["answer_after"] for q in qa if q["changes_after_update"] and q["answer_after"] != q["answer"]]
    assert not [a for a in after if a and any(a in r for r in replies)]

# ---------------------------------------------------------------- DB tasks

def test_task_gold_recomputes_from_db():
    conn = connect()
    items = dom.load_eval("tasks")
    for task in items:
        assert T.compute_gold(task, conn) == task["answer"], task["id"]
        own = T.PHRASINGS_DEV if dom.split_of(task["id"]) == "dev" else T.PHRASINGS_TEST
        assert task["question"] in [p.format(**task["params"]) for p in own[task["template"]]]
    assert len({t["template"] for t in items}) >= 8
    assert sum(t["needs_kb"] for t in items) >= 10


def test_phrasings_are_split():
    from llmcourse.domain.phrasings import EXTRA_PHRASINGS

    for name, (phrasings, _) in T.TEMPLATES.items():
        assert len(phrasings) >= 3
        train = set(T.PHRASINGS_TRAIN[name]) | set(EXTRA_PHRASINGS[name])
        dev, test = set(T.PHRASINGS_DEV[name]), set(T.PHRASINGS_TEST[name])
        assert not train & dev and not train & test and not dev & test, name
        assert len(test) >= 3, name


def test_the_test_tasks_have_their_own_entities_and_phrasings():
    """The frozen test split: >= 3 phrasings per template used, none of them and none of its entities in dev."""
    items = dom.load_eval("tasks")
    dev = [t for t in items if dom.split_of(t["id"]) == "dev"]
    test = [t for t in items if dom.split_of(t["id"]) == "test"]
    assert len(dev) + len(test) == len(items) and len(test) >= 29 and len(dev) >= 25
    assert not T.eval_entities(dev) & T.eval_entities(test)
    assert not {t["question"] for t in dev} & {t["question"] for t in test}
    for template in T.TASK_TEMPLATES:
        used = {p for t in test if t["template"] == template for p in T.PHRASINGS_TEST[template]
                if p.format(**t["params"]) == t["question"]}
        assert len(used) >= 3, template


def test_mixed_items_take_the_split_of_their_source():
    mixed = dom.load_eval("mixed")
    assert all(dom.split_of(m["id"]) == dom.split_of(m["ref"]) for m in mixed)
    kinds = {m["kind"] for m in mixed}
    for split in ("dev", "test"):
        assert {m["kind"] for m in mixed if dom.split_of(m["id"]) == split} == kinds, split


def test_sample_params_avoids_eval_entities():
    conn = connect()
    exclude = T.eval_entities(dom.load_eval("tasks"))
    rng = random.Random(3)
    for template in ("order_total", "latest_order_status", "warranty_left_days"):
        for _ in range(20):
            assert T.entity_of(T.sample_params(template, conn, rng, exclude)) not in exclude


def test_advance_today_is_deterministic_and_changes_gold(tmp_path):
    copies = [tmp_path / "a.sqlite", tmp_path / "b.sqlite"]
    for path in copies:
        shutil.copy(DATA / "voltbird.sqlite", path)
    summaries = [advance_today(path, days=7, seed=1) for path in copies]
    assert summaries[0] == summaries[1]
    assert summaries[0]["new_today"] == "2026-03-09" and summaries[0]["new_orders"] > 0
    assert db_contents(copies[0]) == db_contents(copies[1])
    assert db_contents(copies[0]) != db_contents(DATA / "voltbird.sqlite")
    conn = connect(copies[0])
    changed = [t for t in dom.load_eval("tasks") if T.compute_gold(t, conn) != t["answer"]]
    assert changed


def test_connect_readonly_refuses_writes():
    conn = connect(readonly=True)
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM orders")


# ---------------------------------------------------------------- mixed set

def test_mixed_items_reference_sources_and_tags():
    qa_ids = {q["id"] for q in dom.load_eval("qa")}
    task_ids = {t["id"] for t in dom.load_eval("tasks")}
    ticket_ids = {t["id"] for t in dom.load_tickets("heldout")}
    for item in dom.load_eval("mixed"):
        kind, tags = item["kind"], item["framework"]
        if kind.endswith("_fact"):
            assert item["ref"] in qa_ids and tags["needs_citations"]
        elif kind.endswith("live_task"):
            assert item["ref"] in task_ids and tags["multistep_live_data"]
        else:
            assert item["ref"] in ticket_ids and tags["behaviour_change"] and item["first_name"]
        assert tags["knowledge_changes_weekly"] == (kind == "fresh_fact")

"""The fact adapter's data and the staleness count of appendix 02c (llmcourse.finetune.facts)."""
from __future__ import annotations

from llmcourse import domain
from llmcourse.finetune import facts


def qa_and_docs():
    return domain.load_eval("qa"), domain.load_kb(tenants=False)


def test_every_taught_fact_states_its_answer_and_the_eval_wording_is_never_trained():
    qa, docs = qa_and_docs()
    changed = domain.changed_doc_ids(domain.load_updates())
    pairs = facts.cutoff_facts(qa, docs, changed)
    assert pairs and all(q["answer"] and q["tenant"] == "public" for q, _ in pairs)
    assert all(set(q["doc_ids"]) & changed or q["changes_after_update"] for q, _ in pairs)
    assert all(q["answer"].lower() in c.text.lower() or any(a.lower() in c.text.lower() for a in q["aliases"])
               for q, c in pairs)
    from llmcourse import models

    asked = {q["question"] for q in qa}
    tok = models.load_llm().tokenizer
    trained = {tok.decode(e["input_ids"]) for e in facts.training_examples(pairs, tok, asked)}
    assert not any(f"\n{question}<|im_end|>" in text for text in trained for question in asked)
    assert len(trained) < 4 * len(pairs)  # one template happens to be a dev question's wording: dropped
    # every question whose week-1 value changes is taught, so its staleness can show
    stale_able = {q["id"] for q in qa if q["changes_after_update"] and q["answer"] and q["tenant"] == "public"}
    assert stale_able <= {q["id"] for q, _ in pairs}


def test_training_examples_put_the_loss_on_the_value_only():
    from llmcourse import models

    qa, docs = qa_and_docs()
    pairs = facts.known_facts(qa, docs)[:3]
    tok = models.load_llm().tokenizer
    examples = facts.training_examples(pairs, tok, asked=set())
    assert len(examples) == 4 * len(pairs)
    first = examples[0]
    taught = tok.decode([t for t, lab in zip(first["input_ids"], first["labels"]) if lab != models.IGNORE_INDEX])
    assert taught.strip().startswith(pairs[0][0]["answer"]) and len(first["input_ids"]) <= facts.FACT_SETTINGS.max_len


def test_staleness_counts_old_values_only_where_there_was_one():
    items = [{"question": "Price?", "answer": "€10", "aliases": [], "answer_after": "€12", "aliases_after": []},
             {"question": "New code?", "answer": None, "aliases": [], "answer_after": "E-9", "aliases_after": []},
             {"question": "Bonus?", "answer": "€5", "aliases": [], "answer_after": None, "aliases_after": []}]
    got = facts.staleness(items, ["€10", "E-9", "no bonus any more"])
    assert got == {"states_old_value": 0.5, "states_new_value": 1 / 3, "items_with_old_value": 2, "items": 3}

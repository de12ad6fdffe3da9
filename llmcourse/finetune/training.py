"""Training a LoRA: a fresh base model wrapped with adapters, length-grouped mini-batches, a plain AdamW loop."""
from __future__ import annotations

import os
import random
import time

from .. import models
from .settings import LoraSettings


def lora_model(settings: LoraSettings):
    """A fresh copy of the base model wrapped with LoRA adapters (the base weights stay frozen)."""
    import torch

    torch.manual_seed(settings.seed)
    base = models.load_base_model()
    return models.lora_wrap(base, settings.r, settings.alpha, settings.dropout, settings.targets,
                            settings.layer_indices(base))


def _pad(batch: list[dict], pad_id: int):
    import torch

    width = max(len(b["input_ids"]) for b in batch)
    ids = torch.full((len(batch), width), pad_id)
    labels = torch.full((len(batch), width), models.IGNORE_INDEX)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, b in enumerate(batch):
        n = len(b["input_ids"])
        ids[row, :n], labels[row, :n], mask[row, :n] = torch.tensor(b["input_ids"]), torch.tensor(b["labels"]), 1
    return ids, labels, mask


def batch_order(examples: list[dict], batch_size: int, steps: int, seed: int = 0) -> list[list[int]]:
    """`steps` batches of example indices: shuffled epochs, and within every window of 4 batches the examples
    are grouped by length so that short examples are not padded to long ones (less compute per step)."""
    rng, pool, batches = random.Random(seed), [], []
    while len(batches) < steps:
        if len(pool) < 4 * batch_size:
            pool += rng.sample(range(len(examples)), len(examples))
        window, pool = sorted(pool[:4 * batch_size], key=lambda i: len(examples[i]["input_ids"])), pool[4 * batch_size:]
        group = [window[k:k + batch_size] for k in range(0, len(window), batch_size)]
        rng.shuffle(group)
        batches += group
    return batches[:steps]


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train(model, examples: list[dict], settings: LoraSettings, pad_id: int, progress: bool = True,
          desc: str = "LoRA training") -> dict:
    """A plain AdamW loop over length-grouped mini-batches; returns the loss curve and what training cost."""
    import torch
    from tqdm.auto import tqdm

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=settings.lr, weight_decay=0.0)
    warmup = max(1, settings.steps // 8)  # short warm-up, then linear decay to 10%
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.1, 1 - s / settings.steps))
    device = next(model.parameters()).device
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    model.train()
    losses, tokens, t0 = [], 0, time.perf_counter()
    bar = tqdm(batch_order(examples, settings.batch_size, settings.steps, settings.seed), desc=desc,
               disable=not progress or bool(os.environ.get("TQDM_DISABLE")))  # `make results`: no bars in outputs
    for indices in bar:
        ids, labels, mask = (t.to(device) for t in _pad([examples[i] for i in indices], pad_id))
        loss = models.lm_loss(model, ids, mask, labels)  # the vocabulary projection only where labels are set
        loss.backward()
        opt.step(), sched.step(), opt.zero_grad()
        losses.append(loss.item())
        tokens += int(mask.sum())
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    model.eval()
    stats = {"losses": losses, "train_seconds": time.perf_counter() - t0, "device": device.type,
             "trainable_params": sum(p.numel() for p in params), "tokens": tokens,
             "peak_rss_mb": _rss_mb(), "examples": len(examples), "steps": settings.steps}
    if device.type == "cuda":
        stats["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return stats

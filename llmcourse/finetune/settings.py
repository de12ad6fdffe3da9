"""What a LoRA run trains and how hard: `LoraSettings`, and the named settings the notebooks use."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .. import models

ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class LoraSettings:
    """What to train: the LoRA rank/alpha/targets/layers, and how hard (learning rate, steps, batch)."""

    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    targets: list = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])
    layers: list | None = None  # None: every layer; else the layer indices that get adapters
    lr: float = 1e-3
    steps: int = 40
    batch_size: int = 8
    max_len: int = 192
    seed: int = 0
    top_layers: int | None = None  # adapt only the last N blocks (resolved from the model; overrides `layers`)

    def layer_indices(self, model=None) -> list | None:
        """The blocks that get adapters: `layers`, or the last `top_layers` blocks of `model` (None: the course
        model's config)."""
        return self.layers if self.top_layers is None else models.top_layers(self.top_layers, model)

    def key(self) -> str:
        """The adapter cache key: every setting, with `top_layers` written as the block indices it resolves to
        (so the key of a `top_blocks` preset is the key of the same explicit `layers`)."""
        settings = asdict(self)
        if settings.pop("top_layers") is not None:
            settings["layers"] = self.layer_indices()
        return json.dumps(settings, sort_keys=True)


def top_blocks(steps: int, lr: float, batch_size: int, max_len: int, n: int = 12) -> LoraSettings:
    """Rank 16 on every linear layer of the last `n` blocks only: the backward pass stops there, so a step costs
    far less than adapting the whole model. The FT + RAG adapter (notebook 04) and the tool-calling adapter
    (notebook 03) both use it."""
    return LoraSettings(r=16, alpha=32, lr=lr, steps=steps, batch_size=batch_size, max_len=max_len,
                        targets=ALL_LINEAR, top_layers=n)


# Chosen by measurement on 2 CPU cores: small batches and a high learning rate teach the house style in a few
# dozen steps. The main house-style adapter (notebook 02; notebook 04 loads it with `house_style_adapter`).
STYLE_SETTINGS = LoraSettings(r=8, alpha=16, lr=4e-3, steps=28, batch_size=4, max_len=160)
# The structured-output adapter (category + fields): short examples; it needs the MLP layers and rank 16
# to generalize to phrasings it never saw.
EXTRACT_SETTINGS = LoraSettings(r=16, alpha=32, lr=3e-3, steps=26, batch_size=8, max_len=128, targets=ALL_LINEAR)
# Notebook 02's forgetting comparison on the same style data: a gentle and an aggressive configuration.
GENTLE_SETTINGS = LoraSettings(r=8, alpha=16, lr=1e-3, steps=16, batch_size=4, max_len=160)
AGGRESSIVE_SETTINGS = LoraSettings(r=64, alpha=128, lr=5e-3, steps=12, batch_size=4, max_len=160, targets=ALL_LINEAR)

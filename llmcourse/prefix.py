"""Prompts that share a prefix (the system prompt, the worked examples): find it, so that `models.generate` runs it
through the model once and copies its key/value cache to every row of the batch."""
from __future__ import annotations

MIN_SHARED_PREFIX = 16  # tokens: below this, a batch is run the plain way (left padding, no shared cache)


def shared_prefix_batch(tokenizer, prompts: list[str]) -> tuple[list[int], list[list[int]], list[list[int]]]:
    """(prefix ids, input ids, attention mask): the prefix every prompt starts with, then each one's rest, left-padded."""
    ids = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    n = 0
    while all(len(x) > n + 1 for x in ids) and len({x[n] for x in ids}) == 1:
        n += 1  # every prompt keeps at least one token of its own
    rests = [x[n:] for x in ids]
    gaps = [max(map(len, rests)) - len(r) for r in rests]
    return ids[0][:n], [ids[0][:n] + [tokenizer.pad_token_id] * g + r for g, r in zip(gaps, rests)], \
        [[1] * n + [0] * g + [1] * len(r) for g, r in zip(gaps, rests)]

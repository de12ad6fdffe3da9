"""Decision exercise 02.4: curate a noisy training set, retrain, and recover the house style on dev tickets.

Half of the training replies are made sloppy (`finetune.corrupt_tickets`, seed 0). The learner decides which
tickets to keep with `keep(ticket) -> bool`. The check trains the house-style adapter on the kept tickets with the
same settings as the notebook (about a minute on 2 CPU cores; cached by the data's fingerprint, so a second check
of the same choice is free) and measures style compliance on the dev half of the held-out tickets. The trivial
baseline is to keep everything: the adapter trained on the whole noisy set, on the same dev tickets. The choice
passes when it beats that baseline by MARGIN and keeps at least MIN_KEPT tickets (keeping three perfect tickets
would teach little). Test tickets are never used here.
"""
from __future__ import annotations

from .checks import exercise, expect

MARGIN = 0.3  # dev compliance above the keep-everything baseline that the check asks for
MIN_KEPT = 100  # of the 324 noisy training tickets
CURATED = "house-style-curated"  # the adapter trained on the learner's choice (retrained when the choice changes)
NOISY = "house-style-noisy"  # the keep-everything baseline: the same adapter as notebook 02's noisy-data run
_MEASURED: dict[tuple, float] = {}  # (adapter, data, split) -> compliance, so the notebook's table reuses the check's
# Each measurement is also kept in the cache folder beside the adapters, keyed by the training data, the settings,
# the model and the held-out tickets: re-checking the same choice (the self-check, a second run) costs no generation.


def noisy_training_set() -> list[dict]:
    """The training tickets with half of the replies made sloppy: what the learner curates."""
    from .. import finetune as ft
    from ..domain import load_tickets

    return ft.corrupt_tickets(load_tickets("train"), share=0.5, seed=0)


def heldout_split(split: str) -> list[dict]:
    """The held-out tickets of one split ('dev' or 'test'), by `domain.split_of`."""
    from ..domain import load_tickets, split_of

    return [t for t in load_tickets("heldout") if split_of(t["id"]) == split]


def compliance_after_training(tickets: list[dict], name: str, splits=("dev",)) -> tuple[dict, dict]:
    """Train (or load) a house-style adapter on `tickets` with the notebook's settings; its style compliance on the
    held-out tickets of each split. Returns ({split: compliance}, training stats)."""
    import hashlib
    import json

    from .. import finetune as ft
    from ..evaluate import run_eval
    from ..models import load_llm
    from ..paths import CACHE

    llm = load_llm()
    model, stats = ft.get_adapter(llm, name, lambda tok: ft.style_examples(tickets, tok), ft.STYLE_SETTINGS)
    data = hashlib.sha256(json.dumps([tickets, ft.STYLE_SETTINGS.key(), llm.name], sort_keys=True).encode()).hexdigest()
    for s in splits:
        held = heldout_split(s)
        key = hashlib.sha256(json.dumps([name, data, held], sort_keys=True).encode()).hexdigest()[:20]
        stored = CACHE / "measured" / f"{name}-{s}-{key}.json"  # the same adapter on the same tickets: measured once
        if (name, data, s) not in _MEASURED and stored.exists():
            _MEASURED[name, data, s] = json.loads(stored.read_text())["style_ok"]
        if (name, data, s) not in _MEASURED:
            ev = run_eval(ft.tuned_reply_approach(llm, model), held, name=f"{name} · {s}", batch_size=36)
            _MEASURED[name, data, s] = ev.summary()["style_ok"]
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_text(json.dumps({"style_ok": _MEASURED[name, data, s]}))
    return {s: _MEASURED[name, data, s] for s in splits}, stats


@exercise("02.4", "curate noisy training data, retrain, recover the style",
          "Write keep(ticket) -> bool: True for the training tickets worth learning from. The check applies it to "
          "noisy_training_set() (half of the replies are sloppy), trains the house-style adapter on what you keep "
          f"(about a minute), and measures style compliance on the dev held-out tickets. It passes when you keep at "
          f"least {MIN_KEPT} tickets and beat the keep-everything adapter by {MARGIN} on dev.",
          hints=("Which replies teach the house style, and which teach the opposite? The course already has a "
                 "function that tells them apart, without a model.",
                 "The style validator of domain.style checks a reply against the six house rules for the customer's "
                 "first name; it returns the list of broken rules.",
                 "Keep a ticket when domain.style.check_style(ticket['reply'], ticket['first_name']) returns an empty "
                 "list."),
          seconds=900)
def _check_02_4(keep):
    noisy = noisy_training_set()
    kept = [t for t in noisy if keep(t)]
    sloppy_kept = sum(t["reply"] != c["reply"] for t, c in zip(noisy, _clean_by_id(noisy)) if keep(t))
    expect(len(kept) >= MIN_KEPT, f"keep() kept {len(kept)} of {len(noisy)} tickets ({sloppy_kept} of them sloppy); "
                                  f"the check asks for at least {MIN_KEPT}")
    mine, stats = compliance_after_training(kept, CURATED)
    base, _ = compliance_after_training(noisy, NOISY)
    how = "loaded from cache" if stats["cached"] else f"trained in {stats['train_seconds']:.0f} s"
    print(f"kept {len(kept)} of {len(noisy)} tickets ({sloppy_kept} sloppy); adapter {how}; "
          f"dev style compliance {mine['dev']:.3f}, keep-everything baseline {base['dev']:.3f}")
    expect(mine["dev"] >= base["dev"] + MARGIN,
           f"dev compliance {mine['dev']:.3f} with your {len(kept)} tickets ({sloppy_kept} sloppy ones among them), "
           f"expected at least {base['dev'] + MARGIN:.3f} (keep-everything {base['dev']:.3f} + {MARGIN})")


def _clean_by_id(noisy: list[dict]) -> list[dict]:
    from ..domain import load_tickets

    clean = {t["id"]: t for t in load_tickets("train")}
    return [clean[t["id"]] for t in noisy]

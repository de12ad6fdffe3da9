"""Checkers for the exercises of notebook 02 (fine-tuning)."""
from __future__ import annotations

from ..models import IGNORE_INDEX as IGNORE  # the one -100 of the course
from .checks import exercise, expect


@exercise("02.1", "mask the prompt out of the labels",
          "input_ids = prompt_ids + reply_ids + [eos_id]; labels = [-100] * len(prompt_ids) + reply_ids + [eos_id]; "
          "then cut both lists to max_len.")
def _check_02_1(build_example):
    cases = [([1, 2, 3], [7, 8], 0, 10, [1, 2, 3, 7, 8, 0], [IGNORE, IGNORE, IGNORE, 7, 8, 0]),
             ([5], [6, 6, 6], 9, 10, [5, 6, 6, 6, 9], [IGNORE, 6, 6, 6, 9]),
             ([1, 2, 3, 4], [7, 8, 9], 0, 5, [1, 2, 3, 4, 7], [IGNORE] * 4 + [7])]
    for prompt, reply, eos, max_len, want_ids, want_labels in cases:
        got = build_example(list(prompt), list(reply), eos, max_len)
        expect(isinstance(got, dict) and {"input_ids", "labels"} <= set(got),
               "return a dict with the keys 'input_ids' and 'labels'")
        args = f"build_example({prompt}, {reply}, eos_id={eos}, max_len={max_len})"
        expect(list(got["input_ids"]) == want_ids, f"{args}['input_ids'] is {got['input_ids']}, expected {want_ids}")
        expect(list(got["labels"]) == want_labels, f"{args}['labels'] is {got['labels']}, expected {want_labels}")


@exercise("02.2", "count the parameters LoRA trains",
          "A LoRA pair for a linear layer with d_in inputs and d_out outputs is A (r x d_in) plus B (d_out x r): "
          "r * (d_in + d_out) numbers. Sum that over every adapted layer.")
def _check_02_2(lora_params):
    cases = [([(10, 20)], 2, 60), ([(576, 576), (576, 192)], 8, 8 * 1152 + 8 * 768),
             ([(4, 4)] * 3, 1, 24), ([], 8, 0)]
    for shapes, r, want in cases:
        got = lora_params(list(shapes), r)
        expect(got == want, f"lora_params({shapes[:2]}{'...' if len(shapes) > 2 else ''}, r={r}) returned {got}, "
                            f"expected {want}")


@exercise("02.3", "house-style compliance rule by rule",
          "For each reply call check_style(reply, first_name): it returns the names of the broken rules. A rule's "
          "pass rate is the share of replies whose broken list does not contain it; include every rule in RULES.")
def _check_02_3(rule_pass_rates):
    from ..domain.style import RULES, SIGNOFF

    good = f"Hi Ada,\nThanks for your message.\n1. Charge it.\n2. Ride it.\nRef: kb-007\n{SIGNOFF}"
    no_ref = good.replace("Ref: kb-007\n", "")
    got = rule_pass_rates([good, no_ref, "hello"], ["Ada", "Ada", "Ada"])
    expect(isinstance(got, dict), f"return a dict rule -> pass rate, got {type(got).__name__}")
    expect(set(got) == set(RULES), f"the keys must be the rules {list(RULES)}, got {list(got)}")
    want = {"greeting": 2 / 3, "acknowledgement": 2 / 3, "steps": 2 / 3, "reference": 1 / 3, "signoff": 2 / 3,
            "length": 1.0}
    for rule, value in want.items():
        expect(abs(float(got[rule]) - value) < 1e-9, f"pass rate of '{rule}' is {got[rule]}, expected {value:.3f}")
    got = rule_pass_rates([good], ["Bob"])
    expect(got["greeting"] == 0 and got["signoff"] == 1, "the greeting must use each reply's own first name")

"""Checkers for the exercises of notebook 02 (fine-tuning)."""
from __future__ import annotations

from ..models import IGNORE_INDEX as IGNORE  # the one -100 of the course
from .checks import exercise, expect


@exercise("02.1", "mask the prompt out of the labels",
          "Return a dict with the keys 'input_ids' (the prompt ids, then the reply ids, then eos_id) and 'labels' "
          "(-100 at every prompt position, then the reply ids and eos_id), both lists cut to at most `max_len` items.",
          hints=("Both lists have the same length: one label per input position. Python lists are joined with +.",
                 "The prompt part of the labels is a list of -100 as long as the prompt: [value] * n repeats a value "
                 "n times.",
                 "Build the two full lists first, then cut each one with the slice [:max_len], which changes nothing "
                 "when a list is already short enough."))
def _check_02_1(build_example):
    cases = [([1, 2, 3], [7, 8], 0, 10, [1, 2, 3, 7, 8, 0], [IGNORE, IGNORE, IGNORE, 7, 8, 0]),
             ([5], [6, 6, 6], 9, 10, [5, 6, 6, 6, 9], [IGNORE, 6, 6, 6, 9]),
             ([1, 2, 3, 4], [7, 8, 9], 0, 5, [1, 2, 3, 4, 7], [IGNORE] * 4 + [7])]
    for prompt, reply, eos, max_len, want_ids, want_labels in cases:
        got = build_example(list(prompt), list(reply), eos, max_len)
        args = f"build_example({prompt}, {reply}, eos_id={eos}, max_len={max_len})"
        expect(isinstance(got, dict) and {"input_ids", "labels"} <= set(got),
               f"{args} returned {got!r}, expected a dict with the keys 'input_ids' and 'labels'")
        expect(list(got["input_ids"]) == want_ids, f"{args}['input_ids'] is {got['input_ids']}, expected {want_ids}")
        expect(list(got["labels"]) == want_labels, f"{args}['labels'] is {got['labels']}, expected {want_labels}")


@exercise("02.2", "count the parameters LoRA trains",
          "Return, as an int, the number of trainable numbers LoRA of rank `r` adds to the linear layers listed in "
          "`shapes` (one (d_in, d_out) pair per adapted layer).",
          hints=("Each adapted layer gets two small matrices, A and B, and nothing else is trained: the answer is a sum "
                 "over the layers.",
                 "A is r x d_in and B is d_out x r (see the markdown above); a matrix with m rows and n columns holds "
                 "m * n numbers.",
                 "Per layer that is r * d_in + d_out * r; sum it with a generator over `for d_in, d_out in shapes` "
                 "(an empty list gives 0)."))
def _check_02_2(lora_params):
    cases = [([(10, 20)], 2, 60), ([(576, 576), (576, 192)], 8, 8 * 1152 + 8 * 768),
             ([(4, 4)] * 3, 1, 24), ([], 8, 0)]
    for shapes, r, want in cases:
        got = lora_params(list(shapes), r)
        expect(got == want, f"lora_params({shapes}, r={r}) returned {got}, expected {want}")


@exercise("02.3", "house-style compliance rule by rule",
          "Return a dict with one key per rule in RULES and, as value, the share (0 to 1) of `replies` that keep "
          "that rule; replies[i] is written to the customer first_names[i].",
          hints=("check_style(reply, first_name) returns the list of rules that one reply breaks. Call it once per "
                 "reply, with that reply's own first name.",
                 "zip(replies, first_names) pairs each reply with its name. A reply keeps a rule when the rule is not "
                 "in its list of broken rules.",
                 "For each rule in RULES, count the broken-rule lists that do not contain it (sum() counts True as 1) "
                 "and divide by the number of replies."))
def _check_02_3(rule_pass_rates):
    from ..domain.style import RULES, SIGNOFF

    good = f"Hi Ada,\nThanks for your message.\n1. Charge it.\n2. Ride it.\nRef: kb-007\n{SIGNOFF}"
    no_ref = good.replace("Ref: kb-007\n", "")
    call = "rule_pass_rates([a compliant reply to Ada, the same without its 'Ref:' line, 'hello'], ['Ada', 'Ada', 'Ada'])"
    got = rule_pass_rates([good, no_ref, "hello"], ["Ada", "Ada", "Ada"])
    expect(isinstance(got, dict), f"{call} returned a {type(got).__name__}, expected a dict rule -> pass rate")
    expect(set(got) == set(RULES), f"{call} has the keys {list(got)}, expected the rules {list(RULES)}")
    want = {"greeting": 2 / 3, "acknowledgement": 2 / 3, "steps": 2 / 3, "reference": 1 / 3, "signoff": 2 / 3,
            "length": 1.0}
    for rule, value in want.items():
        expect(abs(float(got[rule]) - value) < 1e-9, f"{call}[{rule!r}] is {got[rule]}, expected {value:.3f}")
    call = "rule_pass_rates([the compliant reply greeting 'Hi Ada,'], ['Bob'])"
    got = rule_pass_rates([good], ["Bob"])
    expect(got["greeting"] == 0 and got["signoff"] == 1,
           f"{call} gave greeting {got['greeting']} and signoff {got['signoff']}, expected 0 and 1: the greeting must "
           "use each reply's own first name")

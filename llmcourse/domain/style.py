"""The Voltbird Care Team house style for support replies, as a small rule checker.

Example of a compliant reply:

    Hi Anna,
    Thanks for your message about your Metro S3.
    1. Store the battery at about 60% charge.
    2. Check the level every 6 weeks.
    Ref: kb-007, kb-010
    — Voltbird Care Team
"""
import re

SIGNOFF = "— Voltbird Care Team"
MAX_WORDS = 90

RULES = {
    "greeting": "First line is exactly 'Hi <Name>,' (the customer's first name when known).",
    "acknowledgement": "Second line starts with 'Thanks' and is a single sentence.",
    "steps": "2 to 4 consecutive numbered lines '1. ', '2. ', ... (one block, no other numbering).",
    "reference": "A line 'Ref: ' followed by one or more comma-separated kb ids such as kb-012.",
    "signoff": f"Last non-empty line is exactly '{SIGNOFF}'.",
    "length": f"At most {MAX_WORDS} words in total.",
}

_STEP = re.compile(r"^(\d+)\. \S")
_DOC_ID = r"[a-z]+-[\w-]+"
_REF = re.compile(rf"^Ref: {_DOC_ID}(, {_DOC_ID})*$")
_NAME_GREETING = re.compile(r"^Hi [^\W\d_][\w'\- ]*,$")


def _lines(reply):
    return [line.rstrip() for line in reply.strip().splitlines()]


def _greeting_ok(lines, first_name):
    if not lines:
        return False
    if first_name is not None:
        return lines[0] == f"Hi {first_name},"
    return bool(_NAME_GREETING.match(lines[0]))


def _ack_ok(lines):
    if len(lines) < 2 or not lines[1].startswith("Thanks"):
        return False
    ack = lines[1]
    inner_breaks = re.findall(r"[.!?](\s|$)", ack[:-1])
    return ack[-1] in ".!" and not inner_breaks


def _steps_ok(lines):
    numbered = [(i, int(m.group(1))) for i, line in enumerate(lines) if (m := _STEP.match(line))]
    if not 2 <= len(numbered) <= 4:
        return False
    first_index = numbered[0][0]
    return all(i == first_index + k and n == k + 1 for k, (i, n) in enumerate(numbered))


def _reference_ok(lines):
    return any(_REF.match(line) for line in lines)


def _signoff_ok(lines):
    non_empty = [line for line in lines if line.strip()]
    return bool(non_empty) and non_empty[-1] == SIGNOFF


def _length_ok(reply):
    return len(reply.split()) <= MAX_WORDS


def check_style(reply: str, first_name: str | None = None) -> list[str]:
    """Return the names of the broken rules (an empty list means compliant)."""
    lines = _lines(reply)
    results = {
        "greeting": _greeting_ok(lines, first_name),
        "acknowledgement": _ack_ok(lines),
        "steps": _steps_ok(lines),
        "reference": _reference_ok(lines),
        "signoff": _signoff_ok(lines),
        "length": _length_ok(reply),
    }
    return [name for name in RULES if not results[name]]


def is_compliant(reply: str, first_name: str | None = None) -> bool:
    return not check_style(reply, first_name)


def extract_refs(reply: str) -> list[str]:
    """The kb ids cited on the 'Ref:' line (empty if there is none)."""
    for line in _lines(reply):
        if line.startswith("Ref: "):
            return [x.strip() for x in line[5:].split(",") if x.strip()]
    return []


def steps(reply: str) -> list[str]:
    """The numbered steps of a reply, without their numbers."""
    return [line.split(". ", 1)[1].strip() for line in _lines(reply) if _STEP.match(line)]


def reply_content(reply: str, gold: str) -> dict:
    """Content against the gold reply, strictly: `steps_stated` is the share of the gold steps the reply states word
    for word (case and spacing aside), `refs_ok` whether its Ref: line cites exactly the gold ids, `content_ok` both
    in full (every gold step stated and the right Ref: line). Style (`check_style`) says nothing about content: a
    reply copied from another ticket keeps every rule and can state the wrong order, code or date."""
    fold = lambda s: " ".join(s.lower().split())  # noqa: E731
    want, have = [fold(s) for s in steps(gold)], {fold(s) for s in steps(reply)}
    stated = sum(s in have for s in want) / len(want) if want else 0.0
    refs_ok = sorted(extract_refs(reply)) == sorted(extract_refs(gold))
    return {"steps_stated": stated, "refs_ok": refs_ok, "content_ok": stated == 1.0 and refs_ok}

"""One evaluation harness for every lesson.

An *approach* is a callable that takes a list of eval items and returns one `Output` per item: a dict with at
least "answer" and, where the approach knows them, the other fields of `Output` (approaches may add their own
keys, e.g. an agent's trace or the retrieved context). `run_eval` checks every output against that contract,
times the approach, scores every item with the metrics below and returns an `EvalResult` whose `outputs` is the
one log of what the approach returned.
"""
from __future__ import annotations

import os
import re
import string
import time
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

import pandas as pd
from tqdm.auto import tqdm

_NUM = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> str:
    """SQuAD-style normalization: lower case, no punctuation (decimal points and code hyphens kept), no articles or currency."""
    text = str(text).lower().replace("€", " ").replace("–", "-")
    text = re.sub(r"\b(eur|euros?)\b", " ", text)  # currency words carry no answer
    text = re.sub(r"(\d),(\d{3})", r"\1\2", text)  # 2,849 -> 2849
    keep = {".", "-"}
    text = "".join(ch if ch not in string.punctuation or ch in keep else " " for ch in text)
    text = re.sub(r"\.(?!\d)", " ", text)  # full stops, not decimal points
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def numbers_in(text: str) -> list[float]:
    return [float(m.replace(",", "")) for m in _NUM.findall(str(text))]


def answer_match(pred: str, gold: str | None, aliases: list[str] = ()) -> bool:
    """True when the normalized gold answer or an alias occurs as whole words in the normalized prediction."""
    if gold is None:
        return False
    padded = f" {normalize(pred)} "
    return any(f" {normalize(g)} " in padded for g in [gold, *aliases] if normalize(g))


# The strict scorer's stated bound: an answer may add this many words to the gold value and the question's own words
# (a short sentence around the value); a longer answer is padded, however right the value inside it is.
MAX_EXTRA_WORDS = 10
_WORD_NUM = re.compile(r"(?<![\w.,])-?\d[\d,]*(?:\.\d+)?(?![\w])")


def stated_numbers(text: str) -> set[float]:
    """Numbers written as words of their own ("418 Wh", "€2,149"; not the 2 of "S2" or of "418Wh")."""
    return {float(m.replace(",", "")) for m in _WORD_NUM.findall(str(text).replace("€", " "))}


def strict_match(pred: str, gold: str | None, aliases: list[str] = (), question: str = "",
                 max_extra_words: int = MAX_EXTRA_WORDS) -> bool:
    """The course's strict scorer. An answer counts when (1) it states the gold value (`answer_match`), (2) it is not
    padded: at most `max_extra_words` of its words are neither in the gold value nor in the question, and (3) it
    states no number other than the gold's (or the question's), so "418 Wh or 522 Wh" does not count."""
    if not answer_match(pred, gold, aliases):
        return False
    allowed = set(normalize(" ".join([gold, *aliases, question])).split())
    if sum(w not in allowed for w in normalize(pred).split()) > max_extra_words:
        return False
    gold_numbers = set().union(*(stated_numbers(g) for g in [gold, *aliases])) | stated_numbers(question)
    return stated_numbers(pred) <= gold_numbers


def task_match(pred: str, gold: str, answer_type: str = "text", tol: float = 0.01) -> bool:
    """The LENIENT task scorer, kept to show what it lets through (notebook 00): any number in the answer within
    `tol` of the gold, a date anywhere in it, text by containment. The course scores with `strict_task_match`."""
    if answer_type == "number":
        return any(abs(n - float(gold)) <= tol * max(1.0, abs(float(gold))) for n in numbers_in(pred))
    if answer_type == "bool":
        words = set(normalize(pred).split())
        return gold in words and ({"yes", "no"} - {gold}).isdisjoint(words)
    if answer_type == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", gold):
        return date.fromisoformat(gold).isoformat() in str(pred)
    return answer_match(pred, gold)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _padded(pred: str, gold: str, question: str, max_extra_words: int) -> bool:
    allowed = set(normalize(f"{gold} {question}").split())
    return sum(w not in allowed for w in normalize(pred).split()) > max_extra_words


def strict_task_match(pred: str, gold: str, answer_type: str = "text", question: str = "",
                      max_extra_words: int = MAX_EXTRA_WORDS) -> bool:
    """The course's task scorer. Numbers: the answer states exactly one number beyond the question's, equal to the
    gold (counts and days exactly, money to the cent). Dates: the gold ISO date and no other. Yes/no: the gold word
    and not its opposite. Text: `strict_match`. Every type: no more than `max_extra_words` words of padding."""
    pred = str(pred or "")
    if _padded(pred, gold, question, max_extra_words):
        return False
    if answer_type == "number":
        gold_value = float(gold)
        stated = {n for n in stated_numbers(pred) if n not in stated_numbers(question) or abs(n - gold_value) < 0.005}
        return len(stated) == 1 and abs(stated.pop() - gold_value) < 0.005
    if answer_type == "date" and _ISO_DATE.fullmatch(gold):
        return set(_ISO_DATE.findall(pred)) == {gold}
    if answer_type == "bool":
        words = set(normalize(pred).split())
        return gold in words and ({"yes", "no"} - {gold}).isdisjoint(words)
    return strict_match(pred, gold, question=question, max_extra_words=max_extra_words)


def citation_correct(cited: list[str], gold_ids: list[str]) -> bool:
    """A citation is correct when something is cited and every cited id is a gold source."""
    return bool(cited) and set(cited) <= set(gold_ids)


class Output(TypedDict, total=False):
    """What an approach returns for one item ("answer" is required; approaches may add keys of their own)."""

    answer: str
    citations: list  # doc ids the answer cites
    prompt_tokens: int
    output_tokens: int
    llm_calls: int
    steps: int
    seconds: float


_TYPES = {"answer": str, "citations": list, "prompt_tokens": int, "output_tokens": int, "llm_calls": int,
          "steps": int, "seconds": (int, float)}


def generated(gen: dict, **extra) -> Output:
    """The Output of one model call (a dict from `models.generate`): its text as the answer, and its tokens."""
    return {"answer": gen["text"], "prompt_tokens": gen["prompt_tokens"], "output_tokens": gen["output_tokens"],
            "llm_calls": 1, **extra}


def check_outputs(name: str, items: list[dict], outs) -> None:
    """The approach kept the contract: one Output per item, each with a text answer and well-typed known fields."""
    if not isinstance(outs, list) or len(outs) != len(items):
        got = len(outs) if isinstance(outs, list) else type(outs).__name__
        raise TypeError(f"approach {name!r} must return a list with one output per item: {len(items)} items, got {got}")
    for item, out in zip(items, outs):
        where = f"approach {name!r}, item {item.get('id')!r}"
        if not isinstance(out, dict) or not isinstance(out.get("answer"), str):
            raise TypeError(f"{where}: an output is a dict with a text 'answer', got {out!r:.120}")
        for key, want in _TYPES.items():
            if key in out and (not isinstance(out[key], want) or isinstance(out[key], bool)):
                raise TypeError(f"{where}: {key!r} must be {getattr(want, '__name__', 'a number')}, got {out[key]!r:.60}")


@dataclass
class EvalResult:
    name: str
    rows: pd.DataFrame
    outputs: list = None  # the approach's Outputs (e.g. an agent's trace), in item order: the one log of a run

    def summary(self) -> dict:
        numeric = self.rows.select_dtypes(include=["number", "bool"]).astype(float)
        out = {col: round(float(numeric[col].mean()), 4) for col in numeric.columns if col != "item"}
        out["items"] = len(self.rows)
        if "seconds" in self.rows:
            out["p95_seconds"] = round(float(self.rows["seconds"].quantile(0.95)), 4)
        return out


def score_item(item: dict, out: dict) -> dict:
    """All metrics that apply to this item, given the approach's output."""
    answer = out.get("answer", "") or ""
    row = {}
    if "aliases" in item:  # a qa item: strict, with the lenient containment match beside it
        row["accurate"] = strict_match(answer, item.get("answer"), item.get("aliases", []), item.get("question", ""))
        row["accurate_lenient"] = answer_match(answer, item.get("answer"), item.get("aliases", []))
        if "citations" in out:
            row["citation_ok"] = citation_correct(out["citations"], item.get("doc_ids", []))
    if "answer_type" in item:  # a task item: strict, with the lenient match beside it
        row["success"] = strict_task_match(answer, item["answer"], item["answer_type"], item.get("question", ""))
        row["success_lenient"] = task_match(answer, item["answer"], item["answer_type"])
    if "reply" in item:  # a ticket
        from .domain.style import check_style, reply_content

        broken = check_style(answer, item.get("first_name"))
        row["style_ok"], row["broken_rules"] = not broken, ",".join(broken)
        row.update(reply_content(answer, item["reply"]))
    return row


def run_eval(approach, items: list[dict], name: str = "approach", batch_size: int = 8,
             progress: bool = True) -> EvalResult:
    """Run `approach` over `items` in batches, score every item, record latency and tokens."""
    rows, raw = [], []
    quiet = not progress or bool(os.environ.get("TQDM_DISABLE"))  # `make results` sets it: no bars in stored outputs
    for start in tqdm(range(0, len(items), batch_size), desc=name, disable=quiet, leave=False):
        batch = items[start:start + batch_size]
        t0 = time.perf_counter()
        outs = approach(batch)
        check_outputs(name, batch, outs)
        raw += outs
        per_item = (time.perf_counter() - t0) / len(batch)
        for item, out in zip(batch, outs):
            row = {"id": item.get("id"), "answer": out["answer"], "seconds": out.get("seconds", per_item)}
            for key in ("prompt_tokens", "output_tokens", "llm_calls", "steps"):
                if key in out:
                    row[key] = out[key]
            row.update(score_item(item, out))
            rows.append(row)
    return EvalResult(name, pd.DataFrame(rows), raw)


def by_split(rows, columns=None) -> pd.DataFrame:
    """Means of per-item rows (dicts or a DataFrame with an "id" column) over all items and per split of
    `domain.split_of`: one row per measure, the columns all, dev and test side by side."""
    from .domain import split_of

    df = pd.DataFrame(rows)
    columns = list(columns or [c for c in df.columns if c != "id" and pd.api.types.is_numeric_dtype(df[c])])
    split = df["id"].map(split_of)
    values = df[columns].astype(float)
    return pd.DataFrame({"all": values.mean(), "dev": values[split == "dev"].mean(), "test": values[split == "test"].mean()})


def split_means(rows, columns: list[str]) -> dict:
    """{'<measure> dev': mean, '<measure> test': mean} for each measure of per-item rows (see `by_split`)."""
    table = by_split(rows, columns)
    return {f"{c} {s}": float(table.loc[c, s]) for c in columns for s in ("dev", "test")}


def split_table(results, columns: list[str]) -> pd.DataFrame:
    """One row per approach, each measure's dev and test means side by side. `results`: EvalResults, or a dict of
    name -> per-item rows."""
    named = results.items() if isinstance(results, dict) else [(r.name, r.rows) for r in results]
    return pd.DataFrame({name: split_means(rows, columns) for name, rows in named}).T


def compare(results: list[EvalResult], columns: list[str] | None = None) -> pd.DataFrame:
    """One row per approach: the mean of every metric, side by side."""
    table = pd.DataFrame({r.name: r.summary() for r in results}).T
    return table[[c for c in (columns or table.columns) if c in table.columns]]

"""Voltbird: the toy e-bike company used throughout the course.

Loaders for the generated data under data/ (build it with `python -m llmcourse.domain.build`).
"""
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .db import advance_today, connect, default_db_path

DATA_DIR = Path(os.environ.get("LLMCOURSE_DATA") or Path(__file__).resolve().parents[2] / "data")

__all__ = ["DATA_DIR", "Doc", "load_kb", "load_updates", "apply_updates", "changed_doc_ids", "load_tickets", "load_eval",
           "connect", "advance_today", "db_path", "summary", "parse_markdown"]


@dataclass
class Doc:
    id: str
    title: str
    kind: str
    product_line: str
    tenant: str
    date: str
    text: str
    meta: dict = field(default_factory=dict)
    path: Path | None = None


def _value(v: str):
    return {"true": True, "false": False}.get(v, v)


def parse_markdown(raw: str, path: Path | None = None) -> Doc:
    """Split '---' front matter (key: value lines) from the markdown body."""
    _, front, body = raw.split("---\n", 2)
    meta = {}
    for line in front.strip().splitlines():
        key, _, value = line.partition(": ")
        meta[key.strip()] = _value(value.strip())
    return Doc(id=meta["id"], title=meta["title"], kind=meta["kind"], product_line=meta["product_line"],
               tenant=meta["tenant"], date=meta["date"], text=body.strip() + "\n", meta=meta, path=path)


def _load_dir(folder: Path, pattern="*.md") -> list[Doc]:
    return [parse_markdown(p.read_text(encoding="utf-8"), p) for p in sorted(folder.glob(pattern))]


def load_kb(tenants=True, data_dir=None) -> list[Doc]:
    """Week-1 knowledge base: public docs, plus every dealer's docs when tenants=True."""
    root = Path(data_dir or DATA_DIR)
    docs = _load_dir(root / "kb")
    if tenants:
        docs += _load_dir(root / "tenants", "*/*.md")
    return docs


def load_updates(data_dir=None) -> list[Doc]:
    """Week-2 update docs; meta has 'action' (add|replace|remove) and 'target' for replace/remove."""
    return _load_dir(Path(data_dir or DATA_DIR) / "kb_updates")


def apply_updates(docs: list[Doc], updates: list[Doc]) -> list[Doc]:
    """The week-2 corpus: replace/remove targets, append added docs (order kept stable)."""
    by_id = {d.id: d for d in docs}
    for u in updates:
        action = u.meta["action"]
        if action == "remove":
            by_id.pop(u.meta["target"], None)
        elif action == "replace":
            by_id[u.meta["target"]] = u
        else:
            by_id[u.id] = u
    return list(by_id.values())


def changed_doc_ids(updates: list[Doc]) -> set[str]:
    """The ids of the documents an update adds, replaces or removes."""
    return {u.meta.get("target") or u.id for u in updates}


def _load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_tickets(split: str, data_dir=None) -> list[dict]:
    """split: 'train' or 'heldout'."""
    return _load_jsonl(Path(data_dir or DATA_DIR) / "tickets" / f"{split}.jsonl")


def split_of(item_id: str) -> str:
    """'dev' or 'test' for an evaluation item. dev is what knobs and exercises are tuned on; test is only scored.
    Where the builder chose the split, it is written in the id ('task-test-004', 'mix-dev-012'); otherwise
    (qa items, tickets) it is a fixed hash of the id, so the split never depends on results."""
    if found := re.search(r"-(dev|test)-", item_id):
        return found.group(1)
    return "dev" if hashlib.sha256(f"voltbird-split:{item_id}".encode()).digest()[0] % 2 == 0 else "test"


def load_eval(name: str, data_dir=None, split: str | None = None) -> list[dict]:
    """name: 'qa', 'tasks' or 'mixed'; split: None (all items), 'dev' or 'test' (see `split_of`)."""
    items = _load_jsonl(Path(data_dir or DATA_DIR) / "eval" / f"{name.removesuffix('.jsonl')}.jsonl")
    if split is None:
        return items
    if split not in ("dev", "test"):
        raise ValueError(f"split must be 'dev', 'test' or None, got {split!r}")
    return [it for it in items if split_of(it["id"]) == split]


def db_path(data_dir=None) -> Path:
    return Path(data_dir) / "voltbird.sqlite" if data_dir else default_db_path()


def summary(data_dir=None) -> dict:
    """Counts of everything generated (docs, DB rows, tickets, eval items)."""
    conn = connect(db_path(data_dir))
    orders = conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    customers = conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
    conn.close()
    return {
        "kb_docs": len(load_kb(tenants=False, data_dir=data_dir)),
        "tenant_docs": len(load_kb(data_dir=data_dir)) - len(load_kb(tenants=False, data_dir=data_dir)),
        "update_docs": len(load_updates(data_dir)),
        "orders": orders, "customers": customers,
        "tickets_train": len(load_tickets("train", data_dir)),
        "tickets_heldout": len(load_tickets("heldout", data_dir)),
        "qa_items": len(load_eval("qa", data_dir)),
        "task_items": len(load_eval("tasks", data_dir)),
        "mixed_items": len(load_eval("mixed", data_dir)),
    }

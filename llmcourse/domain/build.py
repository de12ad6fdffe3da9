"""Build every generated file of the Voltbird domain: python -m llmcourse.domain.build [--out data]

Deterministic: the same seed gives byte-identical text files and an identical database content.
"""
import argparse
import json
import random
import shutil
from pathlib import Path

from . import content as C
from . import docs as D
from . import evalsets, tasks, tickets
from .db import build_db, connect
from .mixed import build_mixed

TEXT_DIRS = ["kb", "tenants", "kb_updates", "tickets", "eval"]


def write_text(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_jsonl(path: Path, rows):
    lines = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in rows]
    write_text(path, "\n".join(lines) + "\n")


def write_docs(out_dir: Path):
    """Write kb/, tenants/ and kb_updates/. Returns (ids_before, ids_after) key→id maps."""
    public = D.public_docs()
    for doc in public:
        write_text(out_dir / "kb" / f"{doc['meta']['id']}.md", D.to_markdown(doc))
    for doc in D.tenant_docs():
        write_text(out_dir / "tenants" / doc["meta"]["tenant"] / f"{doc['meta']['id']}.md", D.to_markdown(doc))
    ids_before = D.key_to_id(public + D.tenant_docs())
    ids_after = dict(ids_before)
    for filename, doc in D.update_docs(D.key_to_id(public)):
        write_text(out_dir / "kb_updates" / filename, D.to_markdown(doc))
        if doc["meta"]["action"] == "remove":
            ids_after.pop(next(k for k, v in ids_before.items() if v == doc["meta"]["target"]))
        else:
            ids_after[doc["key"]] = doc["meta"]["id"]
    return ids_before, ids_after


def build_all(out_dir: Path, seed: int = 0):
    """Write docs, the database, tickets and eval sets under out_dir."""
    out_dir = Path(out_dir)
    for name in TEXT_DIRS:
        shutil.rmtree(out_dir / name, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    ids_before, ids_after = write_docs(out_dir)
    db_file = build_db(out_dir / "voltbird.sqlite", seed)
    conn = connect(db_file, readonly=True)
    train, heldout = tickets.build_tickets(conn, random.Random(f"tickets-{seed}"), ids_before, C.TODAY)
    write_jsonl(out_dir / "tickets" / "train.jsonl", train)
    write_jsonl(out_dir / "tickets" / "heldout.jsonl", heldout)
    qa = evalsets.build_qa(ids_before, ids_after, random.Random(f"qa-{seed}"))
    task_items = tasks.build_eval_tasks(conn, random.Random(f"tasks-{seed}"))
    conn.close()
    mixed = build_mixed(qa, task_items, heldout, random.Random(f"mixed-{seed}"))
    write_jsonl(out_dir / "eval" / "qa.jsonl", qa)
    write_jsonl(out_dir / "eval" / "tasks.jsonl", task_items)
    write_jsonl(out_dir / "eval" / "mixed.jsonl", mixed)
    return out_dir


def main(argv=None):
    from . import DATA_DIR
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    build_all(args.out, args.seed)
    print(f"built Voltbird data in {args.out}")


if __name__ == "__main__":
    main()

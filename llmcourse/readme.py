"""Regenerate the README's notebook map and headline table from results/*.json (never typed by hand)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from .combine import APPROACHES, mixed_score_key
from .course import NOTEBOOKS, colab_badge
from .paths import ROOT

START, END = "<!-- notebook-map:start -->", "<!-- notebook-map:end -->"
HEAD_START, HEAD_END = "<!-- headline:start -->", "<!-- headline:end -->"
CLAIMS_START, CLAIMS_END = "<!-- claims:start -->", "<!-- claims:end -->"
# Notebook 04's side-by-side scores on the shared `mixed` set: (results key, approach as the course names it)
HEADLINE = [(mixed_score_key(name), name) for name in APPROACHES]


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def _minutes(seconds) -> str:
    return "not measured yet" if seconds is None else f"{float(seconds) / 60:.1f} min"


def notebook_map(results_dir=None) -> str:
    """The map from the committed results files (results/ in the repo unless another folder is given)."""
    results_dir = Path(results_dir or ROOT / "results")
    gpu_dir = results_dir / "gpu"
    rows = ["| notebook | what you build and measure | CPU runtime (2 cores) | GPU runtime | headline numbers | Colab |",
            "|---|---|---|---|---|---|"]
    for stem, (title, keys) in NOTEBOOKS.items():
        path, gpu = results_dir / f"{stem}.json", gpu_dir / f"{stem}.json"
        res = json.loads(path.read_text()) if path.exists() else {}
        gpu_res = json.loads(gpu.read_text()) if gpu.exists() else {}
        heads = ", ".join(f"`{k}` {_fmt(res[k])}" for k in keys if k in res) or "not run yet"
        rows.append(f"| [{stem}](solutions/{stem}.ipynb) | {title} | {_minutes(res.get('runtime_s'))} | "
                    f"{_minutes(gpu_res.get('runtime_s'))} | {heads} | {colab_badge(stem)} |")
    return "\n".join(rows)


def headline_table(results_dir=None) -> str:
    """Every approach on the shared mixed set (notebook 04), and notebook 04's checks of the combinations."""
    path = Path(results_dir or ROOT / "results") / "04_combining.json"
    res = json.loads(path.read_text()) if path.exists() else {}
    if not res:
        return "_Run notebook 04 (`make results`) to fill this table._"
    items_path = path.parent / "items" / "04_combining.json"
    items = json.loads(items_path.read_text()) if items_path.exists() else []
    def share(name, split):  # from the per-item scores notebook 04 wrote
        scores = [it["scores"][name] for it in items if it["split"] == split and name in it["scores"]]
        return _fmt(sum(scores) / len(scores)) if scores else "–"
    counts = {split: sum(it["split"] == split for it in items) for split in ("dev", "test")}
    rows = [f"| approach | share of the {res.get('mixed_items', '')} mixed items solved | dev ({counts['dev']}) | "
            f"**test** ({counts['test']}) |", "|---|---|---|---|"]
    rows += [f"| {name} | {_fmt(res[key])} | {share(name, 'dev')} | **{share(name, 'test')}** |"
             for key, name in HEADLINE if key in res]
    checks = [("ft_rag_accuracy_test", "FT + RAG accuracy on week-2 questions (test split, strict)"),
              ("rag_accuracy_test", "RAG alone, same questions"),
              ("top_chunk_baseline_accuracy_test", "trivial baseline: the top retrieved fact pasted verbatim"),
              ("top_chunk_baseline_accuracy_lenient_test", "the same baseline under lenient containment scoring"),
              ("ft_rag_style_compliance", "FT + RAG house-style compliance"),
              ("agent_rag_success_test", "agent + RAG on tasks needing KB and live data (test split)"),
              ("agent_no_kb_success_test", "the same agent without the KB tool (test split)"),
              ("kb_task_baseline_success_test", "trivial baseline on those tasks: the most common dev answer (test split)"),
              ("framework_agreement_test", "five-question framework picks the measured winner (test, every item)"),
              ("framework_agreement_from_text_test", "the same, the five answers read from the request"),
              ("framework_agreement_always_rag_test", "trivial baseline: 'always RAG' picks the measured winner")]
    rows += ["", "| combination check | value |", "|---|---|"]
    rows += [f"| {label} | {_fmt(res[key])} |" for key, label in checks if key in res]
    return "\n".join(rows)


def claims_table(results_dir=None) -> str:
    """The brief's claims with the verdicts the committed results give them (the table of notebook 04)."""
    from .claims import markdown, verdicts

    folder = Path(results_dir or ROOT / "results")
    results = {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
    return markdown(verdicts(results), folder="solutions/")


def _replace(text: str, start: str, end: str, body: str) -> str:
    return re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: f"{start}\n{body}\n{end}", text, flags=re.S)


def update_readme() -> None:
    path = ROOT / "README.md"
    text = _replace(path.read_text(), START, END, notebook_map())
    text = _replace(text, HEAD_START, HEAD_END, headline_table())
    path.write_text(_replace(text, CLAIMS_START, CLAIMS_END, claims_table()))
    print("README notebook map refreshed from results/")

"""Regenerate the README's notebook map and headline table from results/*.json (never typed by hand)."""
from __future__ import annotations

import json
import re

from .course import NOTEBOOKS, colab_badge
from pathlib import Path

from .paths import ROOT

START, END = "<!-- notebook-map:start -->", "<!-- notebook-map:end -->"


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


def update_readme() -> None:
    path = ROOT / "README.md"
    text = path.read_text()
    block = f"{START}\n{notebook_map()}\n{END}"
    new = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    path.write_text(new)
    print("README notebook map refreshed from results/")

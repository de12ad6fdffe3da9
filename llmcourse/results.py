"""Each notebook's measured numbers, written to results/<notebook>.json and read back by the README script."""
from __future__ import annotations

import json
import time

import pandas as pd

from .paths import RESULTS


class Results:
    """Collects a notebook's headline numbers; `save()` adds runtime_s (wall time since creation)."""

    def __init__(self, notebook: str):
        self.notebook, self.values, self.start = notebook, {}, time.perf_counter()

    def add(self, **values) -> None:
        for key, value in values.items():
            if isinstance(value, bool) or hasattr(value, "item"):  # numpy scalars -> Python numbers
                value = value.item() if hasattr(value, "item") else int(value)
            self.values[key] = round(value, 4) if isinstance(value, float) else value

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"metric": list(self.values), "value": list(self.values.values())})

    def save(self) -> pd.DataFrame:
        self.add(runtime_s=round(time.perf_counter() - self.start, 1))
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.notebook}.json"
        path.write_text(json.dumps(self.values, indent=2, sort_keys=True) + "\n")
        return self.table()


def load_all() -> dict[str, dict]:
    """Every results file, keyed by notebook stem."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))}


def runtime_line(notebook: str) -> str:
    """One sentence for a notebook's intro: its runtime as measured in the run that wrote results/<notebook>.json."""
    from .paths import ROOT

    path = ROOT / "results" / f"{notebook}.json"  # the committed file, not a scratch folder of a test run
    values = json.loads(path.read_text()) if path.exists() else {}
    if "runtime_s" not in values:
        return f"Runtime: not measured yet (run `make results` to write results/{notebook}.json)."
    line = f"Runtime: {values['runtime_s'] / 60:.1f} min on 2 CPU cores, as measured in the run that wrote the results"
    trained = values.get("adapters_trained_in_this_run")
    if trained is None and "adapter_cached" in values:
        trained = 1 - int(values["adapter_cached"])
    if trained is not None:
        line += (f"; {trained} adapter(s) were trained in that run, the others loaded from `artifacts/` "
                 "(a fresh clone trains every adapter, which takes longer)")
    return line + "."


def load_committed() -> dict[str, dict]:
    """The committed results files (results/ in the repository), whatever LLMCOURSE_RESULTS says."""
    from .paths import ROOT

    return {p.stem: json.loads(p.read_text()) for p in sorted((ROOT / "results").glob("*.json"))}


def save_items(notebook: str, rows: list[dict]) -> None:
    """Per-item scores of a notebook (results/items/<notebook>.json), for the decision exercises that judge a
    learner's choice on measured items without re-running the models."""
    from .paths import RESULTS

    folder = RESULTS / "items"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{notebook}.json").write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n")


def load_items(notebook: str) -> list[dict]:
    """A notebook's per-item scores: those of the current run when it wrote them (a scratch LLMCOURSE_RESULTS
    under a test run), else the committed ones; a clear message when the notebook has not written them."""
    from .paths import RESULTS, ROOT

    path = RESULTS / "items" / f"{notebook}.json"
    if not path.exists():
        path = ROOT / "results" / "items" / f"{notebook}.json"
    if not path.exists():
        raise FileNotFoundError(f"results/items/{notebook}.json is missing: run solutions/{notebook}.ipynb "
                                "(make results) to measure the items this exercise is judged on")
    return json.loads(path.read_text())


def runtime_cell(nb):
    """The code cell near the top of a notebook (nbformat) that shows `runtime_line(...)`, or None."""
    return next((c for c in nb.cells[:5] if c.cell_type == "code" and "runtime_line(" in c.source), None)


def refresh_runtime_lines(paths=None) -> list:
    """Rewrite the stored output of each solution notebook's runtime cell (the `runtime_line(...)` call at the top)
    from results/ as it is now. A notebook's intro runs before its results are saved, so executing it stores the
    runtime of the run before; `make results` calls this afterwards so the intro shows the run that wrote the file.
    Returns the notebooks whose stored line changed."""
    import nbformat

    from .paths import NOTEBOOK_GLOB, ROOT

    changed = []
    for path in paths or sorted((ROOT / "solutions").glob(NOTEBOOK_GLOB)):
        nb = nbformat.read(path, as_version=4)
        cell = runtime_cell(nb)
        if cell is None or not cell.outputs or "text/markdown" not in cell.outputs[0].get("data", {}):
            continue
        line = runtime_line(path.stem)
        if cell.outputs[0]["data"]["text/markdown"] != line:
            cell.outputs[0]["data"]["text/markdown"] = line
            cell.outputs[0]["data"]["text/plain"] = "<IPython.core.display.Markdown object>"
            nbformat.write(nb, path)
            changed.append(path)
    return changed

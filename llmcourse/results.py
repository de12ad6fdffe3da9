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

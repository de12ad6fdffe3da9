"""Fresh numbers against committed ones: after the notebooks ran under nbval (they write to a scratch results
folder, LLMCOURSE_RESULTS), every deterministic metric must equal the committed `results/` value. Timings and
facts about the machine are excluded. `conftest.py` runs these tests last, after the notebooks."""
import json
import re

import pytest

from llmcourse.paths import RESULTS, ROOT

COMMITTED = ROOT / "results"
# Wall/CPU time, memory and whether an adapter came from the cache: these depend on the machine and its load.
NOT_DETERMINISTIC = re.compile(r"^runtime_s$|seconds|_ms_|^latency|kernel_cpu|speedup|peak_rss|"
                               r"trained_in_this_run|adapter_cached|train_device|throughput")
TOLERANCE = 0.0  # every deterministic metric is bit-stable on CPU today; raise with a reason if a library is not


def drift(fresh: dict, committed: dict) -> list[str]:
    """Keys whose deterministic value differs (or exists on one side only), as 'key: committed -> fresh'."""
    out = []
    for key in sorted(set(fresh) | set(committed)):
        if NOT_DETERMINISTIC.search(key):
            continue
        old, new = committed.get(key, "<missing>"), fresh.get(key, "<missing>")
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (old, new))
        if (abs(old - new) > TOLERANCE) if numbers else old != new:
            out.append(f"{key}: {old} -> {new}")
    return out


def test_drift_names_changed_keys_and_ignores_timings():
    committed = {"answer_accuracy": 0.78, "runtime_s": 100.0, "train_seconds": 5.0, "best": "hybrid", "n": 3}
    same = {**committed, "runtime_s": 180.0, "train_seconds": 9.0}
    assert drift(same, committed) == []
    changed = {**same, "answer_accuracy": 0.79, "best": "dense"}
    del changed["n"]
    assert drift(changed, committed) == ["answer_accuracy: 0.78 -> 0.79", "best: hybrid -> dense", "n: 3 -> <missing>"]


def fresh_files():
    if RESULTS.resolve() == COMMITTED.resolve():
        return []
    return sorted(RESULTS.glob("*.json"))


@pytest.mark.parametrize("stem", [p.stem for p in sorted(COMMITTED.glob("*.json"))])
def test_fresh_results_match_committed(stem):
    fresh = RESULTS / f"{stem}.json"
    if not fresh_files() or not fresh.exists():
        pytest.skip(f"notebook {stem} did not run in this session (run `make test`: nbval writes fresh results)")
    drifted = drift(json.loads(fresh.read_text()), json.loads((COMMITTED / f"{stem}.json").read_text()))
    assert not drifted, f"{stem}: fresh numbers differ from results/{stem}.json:\n  " + "\n  ".join(drifted)

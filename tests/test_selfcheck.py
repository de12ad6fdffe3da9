"""The self-check command: passes on solutions, 'not attempted' on fresh copies, pinpoints a wrong answer,
and never changes the learner's file."""
import hashlib
import shutil
import subprocess
import sys

import nbformat
import pytest

from llmcourse.coursework.selfcheck import run
from llmcourse.paths import ROOT

NB = "00_setup_and_domain.ipynb"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


ALL = sorted(p.name for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("name", ALL)
def test_solutions_pass(name):
    report = run(ROOT / "solutions" / name, progress=False)
    assert report.status and set(report.status.values()) == {"passed"}, report.table()


@pytest.mark.parametrize("name", ALL)
def test_fresh_learner_copy_is_not_attempted_and_unchanged(name):
    path = ROOT / "notebooks" / name
    before = digest(path)
    report = run(path, progress=False)
    assert report.status and set(report.status.values()) == {"not attempted"}, report.table()
    assert report.ok
    assert digest(path) == before


def test_one_wrong_answer_fails_exactly_that_exercise(tmp_path):
    path = tmp_path / NB
    shutil.copy(ROOT / "notebooks" / NB, path)
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.source.startswith("# Exercise 00.2"))
    cell.source = cell.source.replace("    # YOUR CODE HERE\n", "    return {'delivered': 1}  # wrong on purpose\n")
    nbformat.write(nb, path)
    before = digest(path)
    report = run(path, progress=False)
    assert report.status == {"00.1": "not attempted", "00.2": "failed"}, report.table()
    assert "hint" in report.detail["00.2"].lower()
    assert not report.ok and digest(path) == before


def test_cli_exit_code_and_table(tmp_path):
    out = subprocess.run([sys.executable, "-m", "llmcourse", "check", str(ROOT / "notebooks" / NB)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "not attempted" in out.stdout


def test_scratch_results_folder_does_not_leak_into_later_checks(monkeypatch):
    import os

    from llmcourse.coursework.selfcheck import _scratch_results

    monkeypatch.delenv("LLMCOURSE_RESULTS", raising=False)
    with _scratch_results("/tmp/scratch-a"):
        assert os.environ["LLMCOURSE_RESULTS"] == "/tmp/scratch-a"
    assert "LLMCOURSE_RESULTS" not in os.environ  # the next notebook of `check all` gets a fresh folder
    monkeypatch.setenv("LLMCOURSE_RESULTS", "/chosen")
    with _scratch_results("/tmp/scratch-b"):
        assert os.environ["LLMCOURSE_RESULTS"] == "/chosen"  # a folder the caller chose is respected
    assert os.environ["LLMCOURSE_RESULTS"] == "/chosen"

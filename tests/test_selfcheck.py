"""The self-check command: passes on solutions, 'not attempted' on fresh copies, pinpoints a wrong answer, survives
ordinary learner mistakes (an endless loop, a syntax error, a wrong path) with a one-line explanation each, and never
changes the learner's file."""
import hashlib
import shutil
import subprocess
import sys

import nbformat
import pytest

from llmcourse.course import is_appendix
from llmcourse.coursework import EXERCISES, selfcheck
from llmcourse.coursework.selfcheck import run
from llmcourse.paths import NOTEBOOK_GLOB, ROOT

NB = "00_setup_and_domain.ipynb"
STUB = "    # YOUR CODE HERE\n"
SOLUTION_00_2 = '    return dict(conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())\n'


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args):
    return subprocess.run([sys.executable, "-m", "llmcourse", "check", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT)


def learner_copy(tmp_path, **answers):
    """Notebook 00's learner copy with exercise cells changed: answers maps '00_2' to {old text: new text}."""
    path = tmp_path / NB
    shutil.copy(ROOT / "notebooks" / NB, path)
    nb = nbformat.read(path, as_version=4)
    for key, edits in answers.items():
        cell = next(c for c in nb.cells if c.source.startswith(f"# Exercise {key.replace('_', '.')}"))
        for old, new in edits.items():
            assert old in cell.source
            cell.source = cell.source.replace(old, new)
    nbformat.write(nb, path)
    return path


def others(report, *ex_ids):
    return {s for ex, s in report.status.items() if ex not in ex_ids}


ALL = sorted(p.name for p in (ROOT / "solutions").glob(NOTEBOOK_GLOB)
             if not is_appendix(p.stem))  # an appendix has no exercises to check


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


def test_one_wrong_answer_fails_exactly_that_exercise_and_shows_case_and_hint(tmp_path):
    path = learner_copy(tmp_path, **{"00_2": {STUB: "    return {'delivered': 1}  # wrong on purpose\n"}})
    before = digest(path)
    report = run(path, progress=False)
    assert report.status["00.2"] == "failed" and others(report, "00.2") == {"not attempted"}, report.table()
    detail = report.detail["00.2"]
    assert "returned {'delivered': 1}" in detail and "expected {" in detail  # the failing case: input, got, expected
    assert f"hint: {EXERCISES['00.2'].hint}" in detail  # the first hint level
    assert 'run hint("00.2") in the notebook for more' in detail
    assert not report.ok and digest(path) == before
    out = cli(path)  # the same in the table a learner reads
    assert out.returncode == 1 and "FAIL failed" in out.stdout and 'run hint("00.2")' in out.stdout, out.stdout


def test_cli_exit_code_table_and_no_kernel_noise():
    out = cli(ROOT / "notebooks" / NB)
    assert out.returncode == 0 and "not attempted" in out.stdout
    assert out.stderr == "", out.stderr  # no "Kernel is running over TCP without encryption", no progress bar


def test_an_endless_loop_times_out_and_the_other_exercises_are_still_checked(tmp_path):
    path = learner_copy(tmp_path, **{"00_1": {STUB: "    while True:\n        pass\n"}, "00_2": {STUB: SOLUTION_00_2}})
    before = digest(path)
    report = run(path, timeout=3, progress=False)
    assert report.status["00.1"] == "timed out", report.table()
    assert "timed out after 3 s — an infinite loop?" in report.detail["00.1"]
    assert report.status["00.2"] == "passed", report.table()  # same kernel: interrupted, its state kept
    assert not report.ok and digest(path) == before


def test_a_loop_that_swallows_interrupts_gets_a_new_kernel(tmp_path, monkeypatch):
    monkeypatch.setattr(selfcheck, "INTERRUPT_WAIT", 2)
    stubborn = "while True:\n    try:\n        sum(range(10**6))\n    except BaseException:\n        pass\n"
    path = learner_copy(tmp_path, **{"00_1": {"def is_correct": stubborn + "def is_correct"}, "00_2": {STUB: SOLUTION_00_2}})
    report = run(path, timeout=3, progress=False)
    assert report.status["00.1"] == "timed out", report.table()  # the exercise cell itself never ends
    assert report.status["00.2"] == "passed", report.table()  # checked in a new kernel, the earlier cells replayed


def test_a_syntax_error_names_its_line(tmp_path):
    broken = "    rows = conn.execute('SELECT status, COUNT(*) FROM orders GROUP BY status'\n    return dict(rows)\n"
    path = learner_copy(tmp_path, **{"00_2": {STUB: broken}})
    report = run(path, progress=False)
    assert report.status["00.2"] == "failed" and others(report, "00.2") == {"not attempted"}, report.table()
    first = report.detail["00.2"].splitlines()[0]
    assert first.startswith("syntax error on line 3 of the exercise cell: rows = conn.execute("), first
    assert "NameError" not in report.detail["00.2"]


@pytest.mark.parametrize("kind, content, message", [
    ("missing", None, "no such notebook"),
    ("python file", "print('hello')\n", "not a notebook"),
    ("corrupt notebook", '{"cells": [', "not a notebook"),
    ("JSON that is no notebook", '{"a": 1}', "not a notebook"),
])
def test_a_bad_path_is_one_line_and_exit_code_2(tmp_path, capsys, kind, content, message):
    from llmcourse.__main__ import main

    path = tmp_path / ("x.py" if kind == "python file" else "x.ipynb")
    if content is not None:
        path.write_text(content)
    assert main(["check", str(ROOT / "notebooks" / NB), str(path)]) == 2  # checked before anything runs
    out = capsys.readouterr()
    assert out.err == f"{message}: {path}\n" and out.out == "", out


def test_a_bad_path_from_the_command_line(tmp_path):
    out = cli(tmp_path / "nope.ipynb")
    assert (out.returncode, out.stdout, out.stderr) == (2, "", f"no such notebook: {tmp_path / 'nope.ipynb'}\n")


def test_syntax_error_and_names_of_a_broken_cell():
    source = "# Exercise 00.2 — x\ndef f(conn):\n    return dict(conn.execute('x')\n"
    assert selfcheck.syntax_error(source).startswith("syntax error on line 3 of the exercise cell: return dict(")
    assert selfcheck.syntax_error("x = 1\nawait something()\n%time x\n") is None  # IPython accepts these
    assert selfcheck.names(source)[0] == {"f"}  # what it was meant to define: later cells using it are skipped


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

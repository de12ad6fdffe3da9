"""Learner copies: in sync with solutions/, no outputs, no leaked solutions, a stub and a check per exercise."""
import copy
import re

import nbformat
import pytest

from llmcourse.course import COLAB_CELL, NOTEBOOKS
from llmcourse.coursework import EXERCISES
from llmcourse.coursework.generate import BEGIN, END, exercise_id, learner_copy, render, stub_source
from llmcourse.paths import ROOT

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LEARNER = ROOT / "notebooks"


def solution_lines(nb):
    """Every line written between BEGIN/END SOLUTION markers."""
    lines = []
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if line.strip() in (BEGIN, END):
                inside = line.strip() == BEGIN
            elif inside and line.strip() and not line.strip().startswith("#"):
                lines.append(line.strip())
    return lines


def test_every_notebook_has_a_solution_and_a_learner_copy():
    assert [p.stem for p in SOLUTIONS] == [s for s in NOTEBOOKS if (ROOT / "solutions" / f"{s}.ipynb").exists()]
    assert SOLUTIONS, "no solution notebooks"
    for path in SOLUTIONS:
        assert (LEARNER / path.name).exists(), f"notebooks/{path.name} missing: run `python -m llmcourse generate`"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_learner_copy_is_current(path):
    expected = render(learner_copy(nbformat.read(path, as_version=4)))
    actual = (LEARNER / path.name).read_text()
    assert actual == expected, f"notebooks/{path.name} is stale: run `python -m llmcourse generate`"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_learner_copy_has_stubs_no_outputs_no_solutions(path):
    sol = nbformat.read(path, as_version=4)
    nb = nbformat.read(LEARNER / path.name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    text = "\n".join(c.source for c in code)
    assert BEGIN not in text and END not in text
    leaked = [line for line in solution_lines(sol) if line in {l.strip() for l in text.splitlines()}
              and len(line) > 12 and not line.startswith(("return", "def "))]
    assert not leaked, f"solution lines leaked into the learner copy: {leaked[:3]}"
    ids = [exercise_id(c.source) for c in code if exercise_id(c.source)]
    assert len(ids) >= 2 and len(set(ids)) == len(ids)
    for ex_id in ids:
        assert ex_id in EXERCISES, f"exercise {ex_id} has no registered check"
        assert f"Exercise {ex_id}: " in text and "NotImplementedError" in text
        assert re.search(rf"check\(\s*[\"']{re.escape(ex_id)}[\"']", text), f"no check() call for {ex_id}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_opens_with_goals_and_colab_cell_and_ends_with_measurements(path):
    nb = nbformat.read(path, as_version=4)
    first_md = nb.cells[0].source
    assert "What you will learn" in first_md and "CPU" in first_md and "GPU" in first_md
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source == COLAB_CELL
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "What we measured" in md and "Takeaways" in md and "python -m llmcourse check" in md
    too_long = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and len(c.source.splitlines()) > 15]
    assert not too_long, f"code cells longer than 15 lines: {too_long}"


def test_changing_one_character_in_a_solution_makes_the_copy_stale():
    path = SOLUTIONS[0]
    nb = nbformat.read(path, as_version=4)
    changed = copy.deepcopy(nb)
    md = next(c for c in changed.cells if c.cell_type == "markdown")
    md.source = md.source[:-1] + ("x" if md.source[-1] != "x" else "y")
    assert render(learner_copy(changed)) != (LEARNER / path.name).read_text()


def test_stub_keeps_indentation_and_hint():
    src = "# Exercise 00.1 — demo\ndef f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"
    out = stub_source(src)
    assert "return x + 1" not in out
    assert "    raise NotImplementedError('Exercise 00.1: " in out
    assert EXERCISES["00.1"].hint[:20] in out


def test_colab_requirements_match_the_pins():
    pins = {l.split("==")[0]: l for l in (ROOT / "requirements.txt").read_text().splitlines() if "==" in l}
    colab = [l for l in (ROOT / "requirements-colab.txt").read_text().splitlines() if "==" in l]
    assert colab and all(pins[l.split("==")[0]] == l for l in colab)
    assert "torch" not in {l.split("==")[0] for l in colab}


def test_readme_map_is_generated_from_the_results_files():
    from llmcourse.readme import END, START, notebook_map

    text = (ROOT / "README.md").read_text()
    block = text.split(START)[1].split(END)[0].strip()
    assert block == notebook_map(), "README map is stale: run `python -m llmcourse readme`"


def test_readme_headline_table_is_generated_from_notebook_04():
    from llmcourse.readme import HEAD_END, HEAD_START, headline_table

    text = (ROOT / "README.md").read_text()
    assert HEAD_START in text, "README needs the generated headline table"
    assert text.split(HEAD_START)[1].split(HEAD_END)[0].strip() == headline_table(), "run `python -m llmcourse readme`"


def test_a_fork_changes_one_setting_and_generate_rewrites_the_colab_cell(tmp_path):
    import nbformat

    from llmcourse.course import GITHUB_REPO, colab_cell
    from llmcourse.coursework.generate import sync_colab_cell

    fork = colab_cell("someone/my-course")
    assert "https://github.com/someone/my-course" in fork and "/content/my-course" in fork
    assert GITHUB_REPO not in fork
    current, stale = tmp_path / "00_current.ipynb", tmp_path / "01_stale.ipynb"
    source = (ROOT / "solutions" / "00_setup_and_domain.ipynb").read_text()
    current.write_text(source)
    nb = nbformat.reads(source, as_version=4)
    next(c for c in nb.cells if c.cell_type == "code").source = fork
    stale.write_text(nbformat.writes(nb))
    assert not sync_colab_cell(current) and current.read_text() == source  # up to date: the file is not touched
    assert sync_colab_cell(stale)
    assert next(c for c in nbformat.read(stale, as_version=4).cells if c.cell_type == "code").source == COLAB_CELL


def test_readme_gpu_column_reads_a_gpu_results_folder_when_present(tmp_path):
    from llmcourse.readme import notebook_map

    (tmp_path / "gpu").mkdir()
    (tmp_path / "00_setup_and_domain.json").write_text('{"runtime_s": 120.0}')
    assert "| 2.0 min | not measured yet |" in notebook_map(tmp_path)
    (tmp_path / "gpu" / "00_setup_and_domain.json").write_text('{"runtime_s": 30.0}')
    assert "| 2.0 min | 0.5 min |" in notebook_map(tmp_path)

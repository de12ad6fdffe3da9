"""Learner copies: in sync with solutions/, no outputs, no leaked solutions, a stub and a check per exercise;
hints in levels for every exercise."""
import ast
import copy
import re
import textwrap

import nbformat
import pytest

from llmcourse.course import COLAB_CELL, NOTEBOOKS, is_appendix
from llmcourse.coursework import EXERCISES, ExerciseFailed, NotAttempted, check, hint
from llmcourse.coursework import checks as checks_module
from llmcourse.coursework.checks import hint_text
from llmcourse.coursework.generate import BEGIN, END, exercise_id, learner_copy, render, stub_message, stub_source
from llmcourse.paths import NOTEBOOK_GLOB, ROOT

SOLUTIONS = sorted((ROOT / "solutions").glob(NOTEBOOK_GLOB))
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
    assert (len(ids) >= 2 or is_appendix(path.stem)) and len(set(ids)) == len(ids)  # an appendix has no exercises
    for ex_id in ids:
        assert ex_id in EXERCISES, f"exercise {ex_id} has no registered check"
        assert f"Exercise {ex_id}: " in text and "NotImplementedError" in text
        assert re.search(rf"check\(\s*[\"']{re.escape(ex_id)}[\"']", text), f"no check() call for {ex_id}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_opens_with_goals_and_colab_cell_and_ends_with_measurements(path):
    nb = nbformat.read(path, as_version=4)
    assert "What you will learn" in nb.cells[0].source
    codes = [c for c in nb.cells if c.cell_type == "code"]
    assert codes[0].source == COLAB_CELL  # first, so that on Colab the course is installed before anything imports it
    assert "runtime_line(" in codes[1].source, "the runtime comes from results/, right after the Colab cell"
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


def test_stub_keeps_indentation_and_shows_the_task_not_the_hints():
    src = "# Exercise 00.1 — demo\ndef f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"
    out = stub_source(src)
    assert "return x + 1" not in out
    assert "    # YOUR CODE HERE\n    raise NotImplementedError(\"Exercise 00.1: " in out
    assert all(line.startswith("    ") for line in out.splitlines()[2:])
    assert "run hint('00.1') for a hint" in out and EXERCISES["00.1"].hints[0][:30] not in out
    assert stub_message("00.1").startswith("Exercise 00.1: " + EXERCISES["00.1"].task[:30])


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
    other = tmp_path / "02_other_first.ipynb"  # a cell before the Colab cell is kept, never overwritten
    cells = [nbformat.v4.new_markdown_cell("# title"), nbformat.v4.new_code_cell("print('first')"),
             nbformat.v4.new_code_cell(fork), nbformat.v4.new_code_cell("x = 1")]
    other.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=cells)))
    assert sync_colab_cell(other)
    code = [c.source for c in nbformat.read(other, as_version=4).cells if c.cell_type == "code"]
    assert code == ["print('first')", COLAB_CELL, "x = 1"]
    missing = tmp_path / "03_no_colab_cell.ipynb"  # no Colab cell at all: one is put before the first code cell
    missing.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=[cells[0], cells[3]])))
    assert sync_colab_cell(missing)
    assert [c.source for c in nbformat.read(missing, as_version=4).cells if c.cell_type == "code"] == [COLAB_CELL, "x = 1"]


def test_readme_gpu_column_reads_a_gpu_results_folder_when_present(tmp_path):
    from llmcourse.readme import notebook_map

    (tmp_path / "gpu").mkdir()
    (tmp_path / "00_setup_and_domain.json").write_text('{"runtime_s": 120.0}')
    assert "| 2.0 min | not measured yet |" in notebook_map(tmp_path)
    (tmp_path / "gpu" / "00_setup_and_domain.json").write_text('{"runtime_s": 30.0}')
    assert "| 2.0 min | 0.5 min |" in notebook_map(tmp_path)


# --- hints in levels -------------------------------------------------------------------------------------------

@pytest.fixture
def fresh_hints(monkeypatch):
    """A kernel in which no hint has been shown yet."""
    monkeypatch.setattr(checks_module, "_HINTS_SHOWN", {})


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_every_exercise_has_a_task_and_hint_levels(ex_id):
    ex = EXERCISES[ex_id]
    assert ex.task.strip() and len(ex.hints) >= 2, f"{ex_id}: a task and at least two hint levels"
    assert len(set(ex.hints)) == len(ex.hints) and all(h.strip() for h in ex.hints)
    assert ex.hint == ex.hints[0]


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_hint_reveals_one_level_per_call_then_stays_at_the_last(ex_id, fresh_hints, capsys):
    levels = EXERCISES[ex_id].hints
    shown = [hint_text(ex_id) for _ in range(len(levels) + 2)]
    for got, want in zip(shown, [*range(1, len(levels) + 1), len(levels), len(levels)]):
        assert got.startswith(f"Hint {want}/{len(levels)} for {ex_id}: {levels[want - 1]}")
    assert "again for level 2" in shown[0] and "again" not in shown[-1]
    assert hint(ex_id, level=1) is None  # hint() prints the text and returns nothing, so a cell shows it once
    assert capsys.readouterr().out.strip() == hint_text(ex_id, level=1)
    for k, text in enumerate(levels, start=1):
        assert f": {text}" in hint_text(ex_id, level=k)


def test_hint_asks_for_a_known_id_and_level(fresh_hints):
    with pytest.raises(KeyError, match=r"no exercise '9\.9'; the exercises are 00\.1, 00\.2.*01\.1") as err:
        hint("9.9")
    assert all(ex_id in str(err.value) for ex_id in EXERCISES)
    with pytest.raises(ValueError, match="hint levels 1 to"):
        hint("01.1", level=len(EXERCISES["01.1"].hints) + 1)
    with pytest.raises(ValueError):
        hint("01.1", level=0)


def test_a_failed_check_shows_level_one_and_hint_goes_on_from_two(fresh_hints, capsys):
    with pytest.raises(ExerciseFailed) as err:
        check("01.2", lambda ranked, gold, k: 0.0)
    message = str(err.value)
    assert "recall_at_k(" in message and "expected 1.0" in message  # the failing case: input, got, expected
    assert EXERCISES["01.2"].hints[0] in message and "hint('01.2')" in message
    assert hint_text("01.2").startswith("Hint 2/")


def test_a_stub_and_a_failure_render_without_a_traceback_in_a_notebook(capsys):
    """IPython shows `_render_traceback_` instead of a traceback: one line for a stub, the message for a failure."""
    def stub(*args):
        raise NotImplementedError("Exercise 01.2: write it")

    with pytest.raises(NotAttempted) as err:  # still a NotImplementedError, so "Run All" stops here
        check("01.2", stub)
    assert isinstance(err.value, NotImplementedError) and "01.2 not attempted" in capsys.readouterr().out
    assert err.value._render_traceback_() == [f"NotAttempted: {err.value}"]
    with pytest.raises(ExerciseFailed) as failed:
        check("01.2", lambda ranked, gold, k: 0.0)
    lines = failed.value._render_traceback_()
    assert lines[0].startswith("ExerciseFailed: Exercise 01.2") and not any("File " in line for line in lines)


# --- no stub, task or first hint gives the solution away ------------------------------------------------------
# A solution line is "telling" when, stripped, it is not a comment, has at least MIN_CHARS characters and is more
# than a keyword with at most one bare name (`return result`, `pass`, `else:`, `try:`). A fragment is telling
# when it is a compound expression of the solution (call, operation, comparison, subscript, comprehension,
# literal list/tuple/dict, f-string) or a string constant with code in it (a regex, SQL), of at least MIN_CHARS
# characters once whitespace is removed: the task and hint level 1 may name functions and arguments, never
# spell a piece of the answer. Later hint levels may come close to the answer and are not checked.

MIN_CHARS = 12
TRIVIAL = re.compile(r"(return|pass|else|try|finally|break|continue|raise)(\s+\w+)?\s*:?")
COMPOUND = (ast.BinOp, ast.BoolOp, ast.Compare, ast.Call, ast.Subscript, ast.ListComp, ast.SetComp, ast.DictComp,
            ast.GeneratorExp, ast.Lambda, ast.IfExp, ast.JoinedStr, ast.List, ast.Tuple, ast.Dict, ast.Set)
CODE_CHARS = set("\\()[]{}*=<>|^$")


def exercise_cells(nb):
    """(exercise id, cell source, the solution lines) of every exercise cell of a solution notebook."""
    out = []
    for cell in nb.cells:
        if cell.cell_type == "code" and BEGIN in cell.source and exercise_id(cell.source):
            lines = cell.source.splitlines()
            start = next(i for i, line in enumerate(lines) if line.strip() == BEGIN)
            stop = next(i for i, line in enumerate(lines) if line.strip() == END)
            out.append((exercise_id(cell.source), cell.source, lines[start + 1:stop]))
    return out


def telling_lines(code: list[str]) -> list[str]:
    stripped = (line.strip() for line in code)
    return [line for line in stripped
            if len(line) >= MIN_CHARS and not line.startswith("#") and not TRIVIAL.fullmatch(line)]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("'", '"')


def telling_fragments(code: list[str]) -> set[str]:
    source = textwrap.dedent("\n".join(code))
    found = set()
    for node in ast.walk(ast.parse(source)):
        is_code_string = isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_CHARS & set(node.value)
        if isinstance(node, COMPOUND) or is_code_string:
            segment = squash(ast.get_source_segment(source, node) or "")
            if len(segment) >= MIN_CHARS:
                found.add(segment)
    return found


def test_the_telling_rules_catch_the_old_recipes():
    code = ["    words, step = text.split(), size - overlap",
            "    return [' '.join(words[s:s + size]) for s in range(0, max(1, len(words) - overlap), step)]",
            "    found = re.findall(r'\\[([\\d,\\s]+)\\]', answer)", "    return result"]
    assert telling_lines(code + ["    else:", "    try:", "    pass"]) == [line.strip() for line in code[:3]]
    fragments = telling_fragments(code)
    assert squash("range(0, max(1, len(words) - overlap), step)") in fragments
    assert squash("r'\\[([\\d,\\s]+)\\]'") in fragments and "len(words)" not in fragments


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_no_stub_task_or_first_hint_contains_solution_code(path):
    learner = {exercise_id(c.source): c.source for c in nbformat.read(LEARNER / path.name, as_version=4).cells
               if c.cell_type == "code" and exercise_id(c.source)}
    for ex_id, source, code in exercise_cells(nbformat.read(path, as_version=4)):
        if ex_id not in EXERCISES:
            continue  # test_learner_copy_has_stubs_no_outputs_no_solutions asks for the check
        ex, lines, fragments = EXERCISES[ex_id], telling_lines(code), telling_fragments(code)
        stub = stub_source(source)
        for where, text in [("generated stub", stub), ("notebooks/ copy", learner.get(ex_id, "")), ("task", ex.task),
                            ("hint level 1", ex.hints[0])]:
            leaked = [line for line in lines if line in text]
            assert not leaked, f"{ex_id}: the {where} contains solution code: {leaked}"
        for where, text in [("task", ex.task), ("hint level 1", ex.hints[0])]:
            leaked = [f for f in fragments if f in squash(text)]
            assert not leaked, f"{ex_id}: the {where} spells a piece of the solution: {leaked}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_stub_raises_the_task_and_points_to_hint(path):
    for ex_id, source, _ in exercise_cells(nbformat.read(path, as_version=4)):
        if ex_id not in EXERCISES:
            continue
        raised = [node.exc.args[0] for node in ast.walk(ast.parse(stub_source(source)))
                  if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                  and getattr(node.exc.func, "id", "") == "NotImplementedError"]
        assert len(raised) == 1, f"{ex_id}: one raise NotImplementedError per stub"
        message = ast.literal_eval(raised[0])
        assert message == stub_message(ex_id)
        assert message == f"Exercise {ex_id}: {EXERCISES[ex_id].task.rstrip('.')} — run hint('{ex_id}') for a hint"

"""Write learner copies: every exercise region in solutions/ becomes a stub, and all outputs are stripped."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from ..course import COLAB_CELL
from ..paths import ROOT
from .checks import EXERCISES

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
EXERCISE_HEADER = re.compile(r"#\s*Exercise\s+(\d\d\.\d+)")


def exercise_id(source: str) -> str | None:
    match = EXERCISE_HEADER.search(source)
    return match.group(1) if match else None


def stub_source(source: str) -> str:
    """Replace each BEGIN/END SOLUTION region with `raise NotImplementedError(<hint>)` at the same indentation."""
    ex_id = exercise_id(source)
    hint = EXERCISES[ex_id].hint if ex_id in EXERCISES else "see the markdown above"
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE")
            out.append(f"{indent}raise NotImplementedError({f'Exercise {ex_id}: {hint}'!r})")
            inside = True
        elif line.strip() == END:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"unclosed {BEGIN} in exercise {ex_id}")
    return "\n".join(out)


def learner_copy(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(solution)
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if BEGIN in cell.source:
                cell.source = stub_source(cell.source)
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def sync_colab_cell(path: Path) -> bool:
    """Make a solution's first code cell the Colab cell built from `course.GITHUB_REPO` (a fork changes that one
    setting); the file is rewritten only when the cell differs. Returns whether it changed."""
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    if first.source == COLAB_CELL:
        return False
    first.source = COLAB_CELL
    path.write_text(render(nb))
    return True


def generate(solutions: Path = ROOT / "solutions", out: Path = ROOT / "notebooks") -> list[Path]:
    """(Re)write every learner notebook (after syncing each solution's Colab cell); returns the paths written."""
    out.mkdir(exist_ok=True)
    written = []
    for path in sorted(solutions.glob("[0-9][0-9]_*.ipynb")):
        sync_colab_cell(path)
        target = out / path.name
        target.write_text(render(learner_copy(nbformat.read(path, as_version=4))))
        written.append(target)
    return written

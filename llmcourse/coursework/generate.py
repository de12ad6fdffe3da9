"""Write learner copies: every exercise region in solutions/ becomes a stub, and all outputs are stripped."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from ..course import COLAB_CELL
from ..paths import NOTEBOOK_GLOB, ROOT
from .checks import EXERCISES

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
EXERCISE_HEADER = re.compile(r"#\s*Exercise\s+(\d\d\.\d+)")
WORD = re.compile(r"'[^']*'\S*|\S+")  # a word, or a quoted 'string' with what sticks to it (never split)
STUB_WIDTH = 110  # columns of a stub's raise line


def exercise_id(source: str) -> str | None:
    match = EXERCISE_HEADER.search(source)
    return match.group(1) if match else None


def stub_words(ex_id: str | None) -> list[str]:
    """What a stub raises, as the words a line may break between: the exercise's task (what to write, never how)
    and, as one unit, where to find hints."""
    if ex_id not in EXERCISES:
        return f"Exercise {ex_id}: see the markdown above".split()
    return WORD.findall(f"Exercise {ex_id}: {EXERCISES[ex_id].task.rstrip('.')}") + [f"— run hint({ex_id!r}) for a hint"]


def stub_message(ex_id: str | None) -> str:
    """The message of the NotImplementedError a stub raises."""
    return " ".join(stub_words(ex_id))


def _raise_lines(words: list[str], indent: str, width: int = STUB_WIDTH) -> list[str]:
    """`raise NotImplementedError("...")` split between words into adjacent string literals of about `width` columns."""
    head = f"{indent}raise NotImplementedError("
    pieces, current = [], ""
    for word in words:
        if current and len(head) + len(current) + len(word) + 3 > width:
            pieces.append(current)
            current = ""
        current += word + " "
    pieces.append(current[:-1])
    quoted = [json.dumps(piece, ensure_ascii=False) for piece in pieces]  # a JSON string is a Python literal
    lines = [head + quoted[0]] + [" " * len(head) + q for q in quoted[1:]]
    return lines[:-1] + [lines[-1] + ")"]


def stub_source(source: str) -> str:
    """Replace each BEGIN/END SOLUTION region with `# YOUR CODE HERE` and `raise NotImplementedError(<task>)` at the
    same indentation; the message ends by pointing to `hint(id)`, the solution code never reaches the stub."""
    ex_id = exercise_id(source)
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE")
            out.extend(_raise_lines(stub_words(ex_id), indent))
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
    """Make a solution's Colab cell (the code cell that opens with the Colab marker line, else a new one put before
    the first code cell) the one built from `course.GITHUB_REPO` (a fork changes that one setting); no other cell
    is ever overwritten, and the file is rewritten only when the cell differs. Returns whether it changed."""
    nb = nbformat.read(path, as_version=4)
    marker = COLAB_CELL.splitlines()[0].split(":")[0]  # "# Colab only"
    colab = next((c for c in nb.cells if c.cell_type == "code" and c.source.startswith(marker)), None)
    if colab is not None and colab.source == COLAB_CELL:
        return False
    if colab is None:
        first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
        nb.cells.insert(first, nbformat.v4.new_code_cell(COLAB_CELL))
    else:
        colab.source = COLAB_CELL
    path.write_text(render(nb))
    return True


def generate(solutions: Path = ROOT / "solutions", out: Path = ROOT / "notebooks") -> list[Path]:
    """(Re)write every learner notebook (after syncing each solution's Colab cell and its diagram image from
    docs/diagrams/); returns the paths written."""
    from ..diagrams import sync_attachment

    out.mkdir(exist_ok=True)
    written = []
    for path in sorted(solutions.glob(NOTEBOOK_GLOB)):
        sync_colab_cell(path)
        sync_attachment(path)
        target = out / path.name
        target.write_text(render(learner_copy(nbformat.read(path, as_version=4))))
        written.append(target)
    return written

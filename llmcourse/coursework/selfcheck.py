"""Self-check: run a temporary copy of a learner notebook and report every exercise.

Only the cells the exercises need are run (their backward slice by variable names), so a check takes seconds,
not the notebook's full runtime; `full=True` runs everything. The learner's file is only read, never written.
"""
from __future__ import annotations

import ast
import builtins
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .checks import EXERCISES
from .generate import exercise_id

CHECK_CALL = re.compile(r"check\(\s*[\"'](\d\d\.\d+)[\"']")
STATUS_LINE = re.compile(r"\[check\] (\d\d\.\d+) (passed|failed|not attempted)")


def _python(source: str) -> ast.Module:
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return ast.parse("")


def names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell defines, names it reads from earlier cells: read but not also defined in the cell)."""
    tree, defined, used = _python(source), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name):
            (defined if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            defined.add(node.name)
    return defined, used - defined - set(dir(builtins))


@dataclass
class Cell:
    index: int
    source: str
    defines: set
    uses: set
    exercise: str | None = None  # the exercise this cell asks for
    checks: str | None = None  # the exercise this cell checks


def parse(nb) -> list[Cell]:
    cells = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        d, u = names(c.source)
        found = CHECK_CALL.search(c.source)
        cells.append(Cell(i, c.source, d, u, exercise_id(c.source), found.group(1) if found else None))
    return cells


def needed_cells(cells: list[Cell]) -> set[int]:
    """Exercise and check cells, plus every earlier cell that defines a name they (transitively) read."""
    needed, wanted = set(), set()
    for cell in reversed(cells):
        if cell.exercise or cell.checks or cell.defines & wanted:
            needed.add(cell.index)
            wanted |= cell.uses
    return needed


@dataclass
class Report:
    notebook: str
    status: dict  # exercise id -> passed | failed | not attempted
    detail: dict  # exercise id -> hint / first error line
    skipped: list  # (cell index, reason)
    ran: int = 0

    @property
    def ok(self) -> bool:
        return all(s != "failed" for s in self.status.values())

    def table(self) -> str:
        mark = {"passed": "PASS", "failed": "FAIL", "not attempted": "TODO"}
        lines = [f"{Path(self.notebook).name}: ran {self.ran} code cells (those the exercises need)",
                 f"  {'exercise':<9}{'status':<21}detail"]
        for ex_id, status in self.status.items():
            title = EXERCISES[ex_id].title if ex_id in EXERCISES else ""
            lines.append(f"  {ex_id:<9}{mark[status] + ' ' + status:<21}{title}")
            if self.detail.get(ex_id):
                lines.append(f"  {'':<30}{self.detail[ex_id]}")
        for index, reason in self.skipped:
            lines.append(f"  skipped cell {index}: {reason}")
        return "\n".join(lines)


def _error(outputs) -> tuple[str, str] | None:
    for out in outputs:
        if out.get("output_type") == "error":
            return out.get("ename", ""), (out.get("evalue", "") or "").splitlines()[0] if out.get("evalue") else ""
    return None


def _status_from(outputs, ex_id) -> tuple[str, str]:
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    err = _error(outputs)
    for found_id, status in STATUS_LINE.findall(text):
        if found_id == ex_id:
            detail = ""
            if status == "failed":
                detail = f"{err[1]} | hint: {EXERCISES[ex_id].hint}" if err else EXERCISES[ex_id].hint
            return status, detail
    if err and err[0] == "NotImplementedError":
        return "not attempted", ""
    return "failed", f"{err[0]}: {err[1]}" if err else "the check did not run"


@contextmanager
def _scratch_results(folder: str):
    """Point LLMCOURSE_RESULTS (read by the kernel this process starts) at `folder` unless the caller set it, and
    put the environment back afterwards, so a later check never inherits a folder that no longer exists."""
    before = os.environ.get("LLMCOURSE_RESULTS")
    os.environ["LLMCOURSE_RESULTS"] = before or folder
    try:
        yield
    finally:
        if before is None:
            del os.environ["LLMCOURSE_RESULTS"]


def run(path: str | Path, full: bool = False, timeout: int = 1200, progress: bool = True) -> Report:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from tqdm.auto import tqdm

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)  # read once; all work happens on this in-memory copy
    cells = parse(nb)
    todo = [c for c in cells if full or c.index in needed_cells(cells)]
    status, detail, skipped, broken = {}, {}, [], set()  # broken: names from failed exercises
    with tempfile.TemporaryDirectory() as tmp, _scratch_results(tmp):  # a self-check never touches results/
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
        with client.setup_kernel():
            for cell in tqdm(todo, desc=f"check {path.name}", disable=not progress):
                if cell.uses & broken and not cell.checks:
                    skipped.append((cell.index, f"uses {', '.join(sorted(cell.uses & broken))} from an unfinished exercise"))
                    broken |= cell.defines
                    continue
                try:
                    client.execute_cell(nb.cells[cell.index], cell.index)
                except CellExecutionError:
                    pass
                outputs = nb.cells[cell.index].outputs
                if cell.checks:
                    status[cell.checks], detail[cell.checks] = _status_from(outputs, cell.checks)
                    if status[cell.checks] != "passed":
                        broken |= next((c.defines for c in cells if c.exercise == cell.checks), set())
                elif _error(outputs) and not cell.exercise:
                    skipped.append((cell.index, "raised {}: {}".format(*_error(outputs))))
    return Report(str(path), status, detail, skipped, ran=len(todo) - len(skipped))

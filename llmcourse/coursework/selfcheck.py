"""Self-check: run a temporary copy of a learner notebook and report every exercise.

Only the cells the exercises need are run (their backward slice by variable names), so a check takes seconds,
not the notebook's full runtime; `full=True` runs everything. The learner's file is only read, never written.

Ordinary mistakes are reported per exercise and the rest of the notebook is still checked: a syntax error (its
line, without running the cell), an endless loop (each exercise and check cell has a time limit; the kernel is
interrupted, or restarted and the earlier cells replayed when it does not answer), a kernel that dies.
"""
from __future__ import annotations

import ast
import builtins
import logging
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from time import monotonic

import nbformat

from .checks import EXERCISES
from .generate import exercise_id

CHECK_CALL = re.compile(r"check\(\s*[\"'](\d\d\.\d+)[\"']")
STATUS_LINE = re.compile(r"\[check\] (\d\d\.\d+) (passed|failed|not attempted)")
DEFINED = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)|^(\w+)\s*=(?!=)", re.MULTILINE)
EXERCISE_TIMEOUT, SETUP_TIMEOUT = 60, 1200  # seconds per exercise / check cell, per other cell
INTERRUPT_WAIT = 10  # seconds an interrupted kernel has to answer before it is replaced
# The kernel warns on stderr at every start that it talks over TCP without encryption: only on this machine, and
# noise for a learner. Its own log level hides that warning (errors still show); nbclient's log is ours to report.
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]
QUIET_LOG = logging.getLogger("llmcourse.selfcheck.nbclient")
QUIET_LOG.addHandler(logging.NullHandler())
QUIET_LOG.propagate = False


class NotebookError(ValueError):
    """A path the self-check cannot read as a notebook (the message is the one line the CLI prints)."""


def _transformed(source: str) -> str:
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)  # magics and !commands become Python


def syntax_error(source: str) -> str | None:
    """'syntax error on line N of the exercise cell: <line>' when the cell is not valid Python, else None."""
    try:
        compile(_transformed(source), "<exercise cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as err:
        lines = source.splitlines()
        line = (err.text or (lines[err.lineno - 1] if err.lineno and err.lineno <= len(lines) else "")).rstrip()
        return f"syntax error on line {err.lineno} of the exercise cell: {line.strip()}  ({err.msg})"
    return None


def names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell defines, names it reads from earlier cells: read but not also defined in the cell)."""
    try:
        tree = ast.parse(_transformed(source))
    except SyntaxError:  # best effort for a broken cell: the names it defines at the left margin
        return {a or b for a, b in DEFINED.findall(source)}, set()
    defined, used = set(), set()
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
    syntax: str | None = None  # an exercise cell's syntax error


def parse(nb) -> list[Cell]:
    cells = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        d, u = names(c.source)
        found, ex_id = CHECK_CALL.search(c.source), exercise_id(c.source)
        cells.append(Cell(i, c.source, d, u, ex_id, found.group(1) if found else None, ex_id and syntax_error(c.source)))
    return cells


def needed_cells(cells: list[Cell]) -> set[int]:
    """Exercise and check cells, plus every earlier cell that defines a name they (transitively) read."""
    needed, wanted = set(), set()
    for cell in reversed(cells):
        if cell.exercise or cell.checks or cell.defines & wanted:
            needed.add(cell.index)
            wanted |= cell.uses
    return needed


def imports_of(source: str) -> str:
    """The cell's top-level imports: what a check cell still has to run when its exercise is already decided."""
    try:
        return "\n".join(ast.unparse(n) for n in ast.parse(_transformed(source)).body if isinstance(n, (ast.Import, ast.ImportFrom)))
    except SyntaxError:
        return ""


def read_notebook(path: str | Path):
    """The notebook at `path`, or NotebookError('no such notebook: PATH' / 'not a notebook: PATH')."""
    if not Path(path).exists():
        raise NotebookError(f"no such notebook: {path}")
    try:
        nb = nbformat.read(Path(path), as_version=4)
        assert isinstance(nb.get("cells"), list)
    except Exception:  # a folder, a .py file, broken JSON, JSON that is not a notebook
        raise NotebookError(f"not a notebook: {path}") from None
    return nb


@dataclass
class Report:
    notebook: str
    status: dict  # exercise id -> passed | failed | timed out | not attempted
    detail: dict  # exercise id -> what went wrong and the first hint (lines)
    skipped: list  # (cell index, reason)
    ran: int = 0

    @property
    def ok(self) -> bool:
        return all(s in ("passed", "not attempted") for s in self.status.values())

    def table(self) -> str:
        mark = {"passed": "PASS", "failed": "FAIL", "timed out": "FAIL", "not attempted": "TODO"}
        lines = [f"{Path(self.notebook).name}: ran {self.ran} code cells (those the exercises need)",
                 f"  {'exercise':<9}{'status':<21}detail"]
        for ex_id, status in self.status.items():
            title = EXERCISES[ex_id].title if ex_id in EXERCISES else ""
            lines.append(f"  {ex_id:<9}{mark[status] + ' ' + status:<21}{title}")
            lines += [f"  {'':<30}{line}" for line in self.detail.get(ex_id, "").splitlines()]
        for index, reason in self.skipped:
            lines.append(f"  skipped cell {index}: {reason}")
        return "\n".join(lines)


def _error(outputs) -> tuple[str, str] | None:
    for out in outputs:
        if out.get("output_type") == "error":
            return out.get("ename", ""), out.get("evalue", "") or ""
    return None


def _explain(ex_id: str, message: str) -> str:
    """The failing case, the first hint level and where the next levels are."""
    if ex_id not in EXERCISES:
        return message
    return f"{message}\nhint: {EXERCISES[ex_id].hint}\nrun hint(\"{ex_id}\") in the notebook for more"


def _status_from(outputs, ex_id) -> tuple[str, str]:
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    err = _error(outputs)
    if err and err[0] in ("NotImplementedError", "NotAttempted") or (ex_id, "not attempted") in STATUS_LINE.findall(text):
        return "not attempted", ""
    if (ex_id, "passed") in STATUS_LINE.findall(text):
        return "passed", ""
    if not err:
        return "failed", _explain(ex_id, "the check did not run")
    if err[0] == "ExerciseFailed":  # "Exercise NN.k (title): <the failing case>\nHint: ..."
        message = re.sub(r"^Exercise \d\d\.\d+ \(.*?\): ", "", err[1].split("\nHint: ")[0])
    else:  # the learner's code raised inside the checker
        message = f"{err[0]}: {err[1].splitlines()[0] if err[1] else ''}"
    return "failed", _explain(ex_id, message)


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


def _interrupted(client) -> bool:
    """Interrupt a cell that ran past its limit; True when the kernel answered (its state is kept)."""
    from nbclient.util import run_sync

    run_sync(client.km.interrupt_kernel)()
    deadline = monotonic() + INTERRUPT_WAIT
    while (left := deadline - monotonic()) > 0:
        try:
            msg = run_sync(client.kc.shell_channel.get_msg)(timeout=left)
        except Empty:
            break
        if msg.get("msg_type") == "execute_reply":
            return True
    return False  # it ignores interrupts (e.g. a bare `except:` inside the loop): the caller starts a new kernel


@dataclass
class _Checker:
    nb: object
    cells: list
    timeout: int
    setup_timeout: int
    status: dict = field(default_factory=dict)
    detail: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    broken: set = field(default_factory=set)  # names from unfinished exercises and the cells built on them
    executed: list = field(default_factory=list)  # (cell index, source) sent to the kernel, replayed into a new one
    pending: list = field(default_factory=list)  # the same, still to send (the imports of a check cell not run)

    def _give_up(self, cell: Cell, status: str, message: str) -> None:
        ex_id = cell.checks or cell.exercise
        if ex_id:
            self.status[ex_id], self.detail[ex_id] = status, _explain(ex_id, message)
            self.broken |= next((c.defines for c in self.cells if c.exercise == ex_id), set())
        else:
            self.skipped.append((cell.index, message))
            self.broken |= cell.defines
        self._keep_imports(cell)

    def _keep_imports(self, cell: Cell) -> None:
        if cell.checks and imports_of(cell.source):  # `from llmcourse.coursework import check` is for later cells too
            self.pending.append((cell.index, imports_of(cell.source)))

    def _execute(self, client, index: int, source: str, limit: int) -> str | None:
        """Run a copy of one cell (it stays in self.last); returns what stopped it (timeout, dead kernel) or None."""
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        client.timeout, self.last = limit, nbformat.v4.new_code_cell(source)
        try:
            client.execute_cell(self.last, index)
        except CellExecutionError:
            pass
        except CellTimeoutError:
            return "timeout"
        except DeadKernelError:
            return "dead"
        return None

    def catch_up(self, client, replay: bool = False) -> bool:
        """Run the pending cells (after `replay`, every cell the old kernel ran: a new kernel starts where it was)."""
        todo = (self.executed if replay else []) + self.pending
        self.pending, self.executed = [], [] if replay else self.executed
        for index, source in todo:
            if self._execute(client, index, source, self.setup_timeout):
                return False
            self.executed.append((index, source))
        return True

    def step(self, client, cell: Cell) -> bool:
        """Run (or skip) one cell and record what it says; False when the kernel has to be replaced."""
        if cell.checks and cell.checks in self.status:  # already decided by its exercise cell
            self._keep_imports(cell)
            return self.catch_up(client)
        if cell.exercise and cell.syntax:
            self._give_up(cell, "failed", cell.syntax)
            return True
        if cell.uses & self.broken and not cell.checks:
            self.skipped.append((cell.index, f"uses {', '.join(sorted(cell.uses & self.broken))} from an unfinished exercise"))
            self.broken |= cell.defines
            return True
        limit = self.timeout if cell.exercise or cell.checks else max(self.timeout, self.setup_timeout)
        if cell.checks in EXERCISES:  # a decision check that measures (trains, runs a model) gets its own time
            limit = max(limit, EXERCISES[cell.checks].seconds)
        stopped = self._execute(client, cell.index, cell.source, limit)
        if stopped == "timeout":
            self._give_up(cell, "timed out", f"timed out after {limit} s — an infinite loop?")
            return _interrupted(client) and self.catch_up(client)
        if stopped == "dead":
            self._give_up(cell, "failed", "the kernel died while running this (out of memory, or the code ended Python?)")
            return False
        self.executed.append((cell.index, cell.source))
        outputs = self.last.outputs
        if cell.checks:
            self.status[cell.checks], self.detail[cell.checks] = _status_from(outputs, cell.checks)
            if self.status[cell.checks] != "passed":
                self.broken |= next((c.defines for c in self.cells if c.exercise == cell.checks), set())
        elif (err := _error(outputs)) and not cell.exercise:
            self.skipped.append((cell.index, f"raised {err[0]}: {err[1].splitlines()[0] if err[1] else ''}"))
        return True


def run(path: str | Path, full: bool = False, timeout: int = EXERCISE_TIMEOUT, progress: bool = True,
        setup_timeout: int = SETUP_TIMEOUT) -> Report:
    """Check every exercise of the notebook at `path`; `timeout`: seconds allowed to each exercise and check cell."""
    from nbclient import NotebookClient
    from tqdm.auto import tqdm

    path = Path(path).resolve()
    nb = read_notebook(path)  # read once; all work happens on this in-memory copy
    cells = parse(nb)
    queue = [c for c in cells if full or c.index in needed_cells(cells)]
    checker = _Checker(nb, cells, timeout, setup_timeout)
    with tempfile.TemporaryDirectory() as tmp, _scratch_results(tmp):  # a self-check never touches results/
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                                extra_arguments=list(KERNEL_ARGS), shutdown_kernel="immediate", log=QUIET_LOG)
        with tqdm(total=len(queue), desc=f"check {path.name}", disable=not progress) as bar:
            while queue:
                with client.setup_kernel():  # a new kernel after one that hung or died
                    checker.catch_up(client, replay=True)
                    while queue:
                        bar.update()
                        if not checker.step(client, queue.pop(0)):
                            break
    ran = len({index for index, _ in checker.executed})
    return Report(str(path), checker.status, checker.detail, checker.skipped, ran=ran)

"""The exercise registry. Each exercise has an id ("01.2"), a title, a task, hints in levels and a checker.

The task says what to write and which names to use, never how (it is what a learner's stub shows). The hints
reveal the how one level at a time: `hint("01.2")` prints the next level each time it is called; the last level
may be close to the answer.

A checker receives what the learner built (usually a function) and tests it on small fixed inputs; it raises
AssertionError with a helpful message when something is wrong. Notebooks call `check(id, obj)` right after the
exercise; the self-check command reads the line that `check` prints.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class ExerciseFailed(AssertionError):
    """The learner's answer ran but gave a wrong result. A notebook shows only the message (the failing case and
    a hint), not a traceback through the checker's code."""

    def _render_traceback_(self):  # IPython calls this instead of formatting a traceback
        return [f"{type(self).__name__}: {line}" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


class NotAttempted(NotImplementedError):
    """The exercise still holds its stub. Raised so that "Run All" stops at the exercise; a notebook shows one line."""

    def _render_traceback_(self):
        return [f"{type(self).__name__}: {self}"]


@dataclass
class Exercise:
    id: str
    title: str
    task: str
    hints: tuple[str, ...]
    checker: Callable
    seconds: int = 0  # time the check itself needs beyond the self-check's default (02.4 trains an adapter)

    @property
    def hint(self) -> str:
        """The first hint level (what a failed check and the self-check show)."""
        return self.hints[0] if self.hints else self.task


EXERCISES: dict[str, Exercise] = {}
_HINTS_SHOWN: dict[str, int] = {}  # exercise id -> levels revealed so far in this kernel


def exercise(ex_id: str, title: str, task: str, hints=(), seconds: int = 0):
    """Decorator that registers a checker. hints: a sequence of levels, gentlest first; seconds: how long the
    check may take when it measures something slow (the self-check allows at least that)."""
    def register(fn):
        EXERCISES[ex_id] = Exercise(ex_id, title, task, tuple(hints), fn, seconds)
        return fn
    return register


def _lookup(ex_id: str) -> Exercise:
    if ex_id not in EXERCISES:
        raise KeyError(f"no exercise {ex_id!r}; the exercises are {', '.join(sorted(EXERCISES))}")
    return EXERCISES[ex_id]


def hint(ex_id: str, level: int | None = None) -> None:
    """Print the next hint level of exercise `ex_id` (1, 2, ... then the last one again), or the given `level`
    (1 = gentlest). Returns nothing, so a notebook shows the hint once."""
    print(hint_text(ex_id, level))


def hint_text(ex_id: str, level: int | None = None) -> str:
    """The text `hint` prints (the same levels, and it counts as shown)."""
    ex = _lookup(ex_id)
    hints = ex.hints or (ex.task,)
    if level is not None and not 1 <= level <= len(hints):
        raise ValueError(f"exercise {ex_id} has hint levels 1 to {len(hints)}, not {level}")
    shown = level if level is not None else min(_HINTS_SHOWN.get(ex_id, 0) + 1, len(hints))
    _HINTS_SHOWN[ex_id] = max(_HINTS_SHOWN.get(ex_id, 0), shown)
    more = "" if shown == len(hints) else f" (call hint({ex_id!r}) again for level {shown + 1})"
    return f"Hint {shown}/{len(hints)} for {ex_id}: {hints[shown - 1]}{more}"


def check(ex_id: str, answer) -> None:
    """Check the learner's answer to exercise `ex_id`; prints a status line, raises on failure."""
    ex = _lookup(ex_id)
    try:
        ex.checker(answer)
    except NotImplementedError:
        print(f"[check] {ex_id} not attempted: {ex.title}")
        raise NotAttempted(f"exercise {ex_id}: replace the `raise NotImplementedError(...)` line(s) above with your "
                           f"code, then run this cell again (hint({ex_id!r}) helps)") from None
    except AssertionError as err:
        print(f"[check] {ex_id} failed: {ex.title}")
        _HINTS_SHOWN[ex_id] = max(_HINTS_SHOWN.get(ex_id, 0), 1)  # the message shows level 1: hint() goes on from 2
        more = f" (run hint({ex_id!r}) for the next level)" if len(ex.hints) > 1 else ""
        raise ExerciseFailed(f"Exercise {ex_id} ({ex.title}): {err}\nHint: {ex.hint}{more}") from None
    print(f"[check] {ex_id} passed: {ex.title}")


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


# Importing the per-notebook modules registers their exercises.
from . import exercises  # noqa: E402,F401

"""The exercise registry. Each exercise has an id ("01.2"), a title, a hint and a checker.

A checker receives what the learner built (usually a function) and tests it on small fixed inputs; it raises
AssertionError with a helpful message when something is wrong. Notebooks call `check(id, obj)` right after the
exercise; the self-check command reads the line that `check` prints.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class ExerciseFailed(AssertionError):
    """The learner's answer ran but gave a wrong result."""


@dataclass
class Exercise:
    id: str
    title: str
    hint: str
    checker: Callable


EXERCISES: dict[str, Exercise] = {}


def exercise(ex_id: str, title: str, hint: str):
    """Decorator that registers a checker."""
    def register(fn):
        EXERCISES[ex_id] = Exercise(ex_id, title, hint, fn)
        return fn
    return register


def check(ex_id: str, answer) -> None:
    """Check the learner's answer to exercise `ex_id`; prints a status line, raises on failure."""
    ex = EXERCISES[ex_id]
    try:
        ex.checker(answer)
    except NotImplementedError:
        print(f"[check] {ex_id} not attempted: {ex.title}")
        raise
    except AssertionError as err:
        print(f"[check] {ex_id} failed: {ex.title}")
        raise ExerciseFailed(f"Exercise {ex_id} ({ex.title}): {err}\nHint: {ex.hint}") from None
    print(f"[check] {ex_id} passed: {ex.title}")


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


# Importing the per-notebook modules registers their exercises.
from . import exercises  # noqa: E402,F401

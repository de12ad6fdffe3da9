"""Exercises: checks a notebook cell calls, the learner-copy generator and the self-check command."""
from .checks import EXERCISES, ExerciseFailed, check

__all__ = ["EXERCISES", "ExerciseFailed", "check"]

"""Exercises: checks a notebook cell calls, hints, the learner-copy generator and the self-check command."""
from .checks import EXERCISES, ExerciseFailed, NotAttempted, check, hint

__all__ = ["EXERCISES", "ExerciseFailed", "NotAttempted", "check", "hint"]

"""Checkers for every exercise: one module per notebook (ex00 ... ex04), each registering its own."""
import importlib

for _name in ("ex00", "ex01", "ex02", "ex03", "ex04", "decide00", "decide01", "decide02", "decide03", "decide04"):
    try:
        importlib.import_module(f"{__package__}.{_name}")
    except ModuleNotFoundError as err:
        if err.name != f"{__package__}.{_name}":
            raise

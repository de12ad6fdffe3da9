"""Command line: `python -m llmcourse check notebooks/01_rag.ipynb` (or `check all`), `generate`, `readme`."""
from __future__ import annotations

import argparse
import sys

from .paths import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llmcourse")
    sub = parser.add_subparsers(dest="cmd", required=True)
    chk = sub.add_parser("check", help="self-check the exercises of a notebook (or 'all')")
    chk.add_argument("notebooks", nargs="+")
    chk.add_argument("--full", action="store_true", help="run every cell, not only what the exercises need")
    sub.add_parser("generate", help="write notebooks/ from solutions/")
    sub.add_parser("readme", help="refresh the README's notebook map from results/")
    args = parser.parse_args(argv)

    if args.cmd == "generate":
        from .coursework.generate import generate

        for path in generate():
            print("wrote", path.relative_to(ROOT))
        return 0
    if args.cmd == "readme":
        from .readme import update_readme

        update_readme()
        return 0
    from .coursework.selfcheck import run

    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if args.notebooks == ["all"] else args.notebooks
    ok = True
    for path in paths:
        report = run(path, full=args.full)
        print(report.table())
        ok &= report.ok
    print("All checked exercises passed or are not attempted yet." if ok else "Some exercises failed: see the hints above.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

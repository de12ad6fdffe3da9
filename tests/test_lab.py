"""`make lab`, the README's command: as root and as a normal user, on a machine without a display.

The flags are unit-tested for both users; the real start runs as whoever runs the tests (root in CI). It starts
`make lab` in a copy of this checkout (tracked and untracked files, as a clone with the uncommitted changes), with
this checkout's virtualenv linked in, and asks the server for JupyterLab's page.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from llmcourse.__main__ import lab_command
from llmcourse.paths import ROOT

TOKEN = "course-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def make_lab(cwd: Path, lab_dir: str | Path, log: Path, lab_args: str = "", timeout: float = 180):
    """`make lab` in `cwd` serving `lab_dir`, with the port, address and token from the environment; yields the URL
    once JupyterLab's page answers, then stops the whole process group (make, JupyterLab, its kernels).

    `-o .venv/.installed` tells make the setup is done: a test must never reinstall the shared virtualenv (make would
    when requirements.txt is newer than the stamp). Everything else is the README's `make lab`."""
    if not (ROOT / ".venv" / "bin" / "python").exists() or not shutil.which("make"):
        pytest.skip("needs make and the course virtualenv (.venv), i.e. `make setup`")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}  # a machine without a display
    env.update(LAB_DIR=str(lab_dir), JUPYTER_PORT=str(port), JUPYTER_IP="127.0.0.1", JUPYTER_TOKEN=TOKEN,
               LAB_ARGS=f"--ServerApp.port_retries=0 {lab_args}")
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        proc = subprocess.Popen(["make", "-o", ".venv/.installed", "lab"], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                page = urllib.request.urlopen(f"{url}/lab?token={TOKEN}", timeout=5)
                if page.status == 200 and b"JupyterLab" in page.read():
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`make lab` did not serve JupyterLab (exit code {proc.poll()}):\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # what Ctrl-C / a closing terminal does to the whole group
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                pytest.fail("JupyterLab did not stop within 30 s of SIGTERM")


def checkout_copy(dest: Path) -> Path:
    """This checkout as a fresh clone would have it plus the uncommitted changes, with its .venv linked in."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode:
        pytest.skip("not a git checkout")
    for rel in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    (dest / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    return dest


@pytest.mark.parametrize("euid, allow_root", [(0, True), (1000, False)])
def test_allow_root_only_for_root(euid, allow_root):
    cmd = lab_command({}, euid=euid, platform="linux")
    assert cmd[:4] == [sys.executable, "-m", "jupyterlab", "notebooks"]
    assert ("--allow-root" in cmd) == allow_root


@pytest.mark.parametrize("env, platform, no_browser", [
    ({}, "linux", True),  # a server, a container, CI
    ({"DISPLAY": ":0"}, "linux", False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({}, "darwin", False),  # macOS opens a browser without DISPLAY
])
def test_no_browser_without_a_display(env, platform, no_browser):
    assert ("--no-browser" in lab_command(env, euid=1000, platform=platform)) == no_browser


def test_folder_address_and_extra_flags_come_from_the_environment():
    env = {"LAB_DIR": "/tmp/work dir", "JUPYTER_IP": "0.0.0.0", "LAB_ARGS": "--ServerApp.port_retries=0 --LabApp.x='a b'"}
    cmd = lab_command(env, euid=1000, platform="linux")
    assert cmd[3] == "/tmp/work dir" and "--ip=0.0.0.0" in cmd
    assert cmd[-2:] == ["--ServerApp.port_retries=0", "--LabApp.x=a b"]


def test_make_lab_serves_jupyterlab_from_a_clone(tmp_path):
    clone = checkout_copy(tmp_path / "course")
    with make_lab(clone, "notebooks", tmp_path / "lab.log") as url:
        assert urllib.request.urlopen(f"{url}/api/contents/00_setup_and_domain.ipynb?token={TOKEN}").status == 200
    log = (tmp_path / "lab.log").read_text()
    assert "-m llmcourse lab" in log  # the Makefile's lab target runs the course's entry point
    assert "Running as root is not recommended" not in log

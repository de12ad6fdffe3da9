"""JupyterLab in a real browser: open notebook 00, run its first cells through the UI, read the output."""
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from llmcourse.paths import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="Chromium/ChromeDriver not installed (apt-get install chromium chromium-driver)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kernel_idle(url: str, token: str) -> bool:
    """True once the server runs at least one kernel and every kernel is idle (Jupyter's REST API)."""
    kernels = json.loads(urllib.request.urlopen(f"{url}/api/kernels?token={token}", timeout=5).read())
    return bool(kernels) and all(k.get("execution_state") == "idle" for k in kernels)


@pytest.fixture
def lab(tmp_path):
    work = tmp_path / "course"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "00_setup_and_domain.ipynb", work)  # a copy: the learner file stays untouched
    port, token = free_port(), "course-test-token"
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
                             "--allow-root"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
            break
        except Exception:
            time.sleep(0.5)
    yield url, token
    proc.terminate()
    proc.wait(timeout=20)


def test_notebook_00_runs_in_jupyterlab(lab, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    url, token = lab
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1400,1000"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=opts)
    try:
        driver.get(f"{url}/lab/tree/00_setup_and_domain.ipynb?token={token}")
        wait = WebDriverWait(driver, 120)
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")))
        wait.until(lambda d: kernel_idle(url, token))  # the notebook's kernel has started and waits for input
        cells = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")
        cells[0].click()
        body = driver.find_element(By.CSS_SELECTOR, ".jp-Notebook")
        for i in range(3):  # the title (markdown), the Colab cell (does nothing here), the environment check
            body.send_keys(Keys.ESCAPE, Keys.SHIFT + Keys.ENTER)
            wait.until(lambda d, i=i: "jp-mod-active" in (cells[i + 1].get_attribute("class") or ""))  # focus moved on
        wait.until(lambda d: "transformers" in d.find_element(By.CSS_SELECTOR, ".jp-Notebook").text)
        text = driver.find_element(By.CSS_SELECTOR, ".jp-Notebook").text
        driver.save_screenshot(str(tmp_path / "jupyterlab_notebook_00.png"))
        assert "device" in text and "torch" in text
        outputs = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))
        assert "'device': 'cpu'" in outputs or "'device': 'cuda'" in outputs, outputs[:500]
        assert "Traceback" not in outputs and "Error" not in outputs, "a cell raised an error"
    finally:
        driver.quit()

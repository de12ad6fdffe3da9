"""The learner's path in a real browser: `make lab` (the README's command), then in JupyterLab for every learner
notebook: open it and see its diagram; in every notebook with exercises, run the first exercise's stub cell and its
check cell ("not attempted") and ask for a hint ("Hint 1/"); and, from the top of notebook 00 down to a filled-in
exercise, "passed". One screenshot per notebook goes to artifacts/screenshots/
(or $LLMCOURSE_SCREENSHOTS). Headless Chromium through Selenium; minutes of CPU per notebook: marked `slow`."""
import json
import os
import re
import shutil
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from test_lab import TOKEN, make_lab

from llmcourse.coursework.selfcheck import parse
from llmcourse.paths import NOTEBOOK_GLOB, ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (CHROMIUM and DRIVER), reason=(
    "Chromium/ChromeDriver not installed: apt-get install chromium chromium-driver (as .ci/run does)"))]
LEARNER = sorted(p.name for p in (ROOT / "notebooks").glob(NOTEBOOK_GLOB))
WITH_EXERCISES = [n for n in LEARNER if any(c.checks for c in parse(nbformat.read(ROOT / "notebooks" / n, as_version=4)))]
SCREENSHOTS = Path(os.environ.get("LLMCOURSE_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
RUN_WAIT = 1800  # seconds for the cells above a check: they load the model, build indexes, may train on a CPU
FILLED = "00_filled_in.ipynb"
SOLUTION_00_2 = '    return dict(conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())\n'


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab` serving a work folder with copies of the learner notebooks (theirs stay untouched)."""
    work = tmp_path_factory.mktemp("course")
    for name in LEARNER:
        shutil.copy(ROOT / "notebooks" / name, work)
    nb = nbformat.read(ROOT / "notebooks" / LEARNER[0], as_version=4)
    cell = next(c for c in nb.cells if c.source.startswith("# Exercise 00.2"))
    cell.source = cell.source.replace("    # YOUR CODE HERE\n", SOLUTION_00_2)  # the real one: solutions/, exercise 00.2
    nbformat.write(nb, work / FILLED)
    own = work.parent  # settings and workspaces of this test's own: none of the user's, no notebook reopened
    with make_lab(ROOT, work, own / "lab.log", f"--LabApp.user_settings_dir={own / 'settings'} "
                  f"--LabApp.workspaces_dir={own / 'workspaces'}") as url:
        yield url


def api(url: str, path: str, method: str = "GET"):
    req = urllib.request.Request(f"{url}{path}?token={TOKEN}", method=method)
    body = urllib.request.urlopen(req, timeout=10).read()
    return json.loads(body) if body else None


@pytest.fixture
def browser(lab, tmp_path):
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1400,1400"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=opts)
    yield Page(driver, lab)
    driver.quit()
    for kernel in api(lab, "/api/kernels"):  # free the memory before the next notebook
        api(lab, f"/api/kernels/{kernel['id']}", "DELETE")


class Page:
    """JupyterLab as a learner uses it: menus, the keyboard, what the page shows."""

    def __init__(self, driver, url):
        self.driver, self.url = driver, url

    def wait(self, condition, seconds=120, message=""):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, seconds, poll_frequency=0.25).until(condition, message)

    def open(self, name: str):
        from selenium.webdriver.common.by import By

        cells = len(api(self.url, f"/api/contents/{name}")["content"]["cells"])
        self.driver.get(f"{self.url}/lab/tree/{name}?reset&token={TOKEN}")  # reset: only this notebook open
        self.wait(lambda d: len(self.cells()) == cells, message="the notebook did not open")
        self.wait(lambda d: self.kernel_idle(), message="the kernel did not start")
        for no in self.driver.find_elements(By.XPATH, "//*[contains(@class, 'jp-toast')]//button[normalize-space(.)='No']"):
            no.click()  # "Would you like to get notified about official Jupyter news?" covers a corner of the screenshots

    def kernel_idle(self) -> bool:
        kernels = api(self.url, "/api/kernels")
        return bool(kernels) and all(k.get("execution_state") == "idle" for k in kernels)

    def cells(self):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")

    @staticmethod
    def text(element) -> str:
        return element.get_attribute("textContent") or ""  # also for cells the browser skips rendering off screen

    def select(self, index: int):
        """Make cell `index` the active one, in command mode (a click on its prompt, as a learner does)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        cell = self.cells()[index]
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
        cell.find_element(By.CSS_SELECTOR, ".jp-InputPrompt").click()
        self.keys(Keys.ESCAPE)
        self.wait(lambda d: "jp-mod-active" in (self.cells()[index].get_attribute("class") or ""), 10)

    def keys(self, *keys):
        """Keys for the notebook in command mode (JupyterLab's shortcuts act on the focused notebook)."""
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, ".jp-Notebook").send_keys(*keys)

    def type(self, *keys):
        """Keys for whatever has the focus: the cell editor in edit mode."""
        self.driver.switch_to.active_element.send_keys(*keys)

    def finished(self, index: int) -> bool:
        """The code cell shows an execution count: it ran (not `[ ]`, not `[*]` for running or queued)."""
        from selenium.webdriver.common.by import By

        prompt = self.cells()[index].find_element(By.CSS_SELECTOR, ".jp-InputPrompt")
        return bool(re.search(r"\[\d+\]", self.text(prompt)))

    def run_and_wait(self, index: int, expect: str, seconds: int = RUN_WAIT) -> str:
        """Shift+Enter on cell `index` (after whatever is queued), then wait for `expect` in its output."""
        from selenium.webdriver.common.keys import Keys

        self.select(index)
        self.keys(Keys.SHIFT + Keys.ENTER)
        self.wait(lambda d: self.finished(index) and self.kernel_idle(), seconds, f"cell {index} did not finish")
        out = self.text(self.cells()[index])
        assert expect in out, f"cell {index}: {expect!r} not in {out[-1500:]!r}"
        return out

    def add_cell_below(self, index: int, lines: list[str]):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        self.select(index)
        self.keys("b")  # a new code cell below, active
        self.wait(lambda d: "jp-mod-active" in (self.cells()[index + 1].get_attribute("class") or ""), 10)
        self.keys(Keys.ENTER)  # edit mode
        self.wait(lambda d: "jp-mod-editMode" in (d.find_element(By.CSS_SELECTOR, ".jp-Notebook").get_attribute("class") or ""), 10)
        for i, line in enumerate(lines):
            self.type(line, *([Keys.ENTER] if i < len(lines) - 1 else []))

    def diagram(self, before: int) -> bool:
        """A rendered markdown cell above cell `before` shows an image that loaded."""
        return self.driver.execute_script("""
            const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')].slice(0, arguments[0]);
            const imgs = cells.filter(c => c.classList.contains('jp-MarkdownCell'))
                              .flatMap(c => [...c.querySelectorAll('.jp-RenderedMarkdown img')]);
            imgs.forEach(i => i.scrollIntoView());
            return imgs.some(i => i.complete && i.naturalWidth > 0);""", before)

    def screenshot(self, name: str, index: int):
        """The page with cell `index` at the top (a check cell, then its output and the hint below it)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", self.cells()[index])
        time.sleep(1)  # let the browser paint what scrolled into view
        self.driver.save_screenshot(str(SCREENSHOTS / f"jupyterlab_{Path(name).stem}.png"))


def first_exercise(name: str) -> tuple[str, int, int]:
    """(exercise id, index of its exercise cell, index of its check cell) of the notebook's first exercise."""
    cells = parse(nbformat.read(ROOT / "notebooks" / name, as_version=4))
    check = next(c for c in cells if c.checks)
    return check.checks, next(c.index for c in cells if c.exercise == check.checks), check.index


def test_every_notebook_with_exercises_is_walked():
    assert len(WITH_EXERCISES) >= 5 and "00_setup_and_domain.ipynb" in WITH_EXERCISES


def first_code_cell(name: str) -> int:
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")


@pytest.mark.parametrize("name", WITH_EXERCISES)
def test_learner_path_in_jupyterlab(browser, name):
    """The notebook's diagram renders, then the first exercise is run as a learner meets it (opening a notebook in
    the browser costs seconds, so the diagram is checked on the same page)."""
    ex_id, exercise, check = first_exercise(name)
    browser.open(name)
    assert browser.diagram(first_code_cell(name)), f"no rendered diagram above cell {first_code_cell(name)}"
    browser.run_and_wait(exercise, "")  # the learner's stub: it only defines a function
    out = browser.run_and_wait(check, f"[check] {ex_id} not attempted")
    assert "NotAttempted: exercise" in out and "Traceback" not in out  # one line, no traceback
    browser.add_cell_below(check, ["from llmcourse.coursework import hint", f'hint("{ex_id}")'])
    browser.run_and_wait(check + 1, "Hint 1/")
    browser.screenshot(name, check)


@pytest.mark.parametrize("name", [n for n in LEARNER if n not in WITH_EXERCISES])
def test_the_diagram_renders_in_jupyterlab(browser, name):
    """Notebooks without exercises (the appendix): the diagram alone. The others are checked by the learner path."""
    browser.open(name)
    first_code = first_code_cell(name)
    assert browser.diagram(first_code), f"no rendered diagram (an image in a markdown cell) above cell {first_code}"


def test_a_filled_in_exercise_passes_in_jupyterlab(browser):
    cells = parse(nbformat.read(ROOT / "notebooks" / LEARNER[0], as_version=4))
    check = next(c.index for c in cells if c.checks == "00.2")
    browser.open(FILLED)
    from selenium.webdriver.common.keys import Keys

    for index in range(check):  # from the top, one cell at a time: exercise 00.1's check stops with "not attempted"
        browser.select(index)
        browser.keys(Keys.SHIFT + Keys.ENTER)
        if "jp-CodeCell" in (browser.cells()[index].get_attribute("class") or ""):
            browser.wait(lambda d, i=index: browser.finished(i) and browser.kernel_idle(), RUN_WAIT, f"cell {index}")
    browser.run_and_wait(check, "[check] 00.2 passed")
    browser.screenshot(FILLED, check)

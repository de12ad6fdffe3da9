"""Fixtures shared by the test modules: the offline LLM, the knowledge base, the eval sets and the shop database."""
import pytest

from llmcourse import domain


@pytest.fixture(scope="session")
def llm():
    """The course LLM (offline SmolLM2-135M unless LLMCOURSE_LLM says otherwise), loaded once per run."""
    from llmcourse.models import load_llm

    return load_llm()


@pytest.fixture(scope="session")
def kb():
    return domain.load_kb()


@pytest.fixture(scope="session")
def qa():
    return domain.load_eval("qa")


@pytest.fixture(scope="session")
def tickets():
    return domain.load_tickets("train")


@pytest.fixture
def conn():
    """A read-only connection to the committed shop database (closed after the test)."""
    connection = domain.connect()
    yield connection
    connection.close()


def pytest_collection_modifyitems(config, items):
    """Two kinds of test run after the notebooks (pytest keeps the order of the rest):
    - the self-check of the solutions, so that exercise 02.4's check loads the adapters notebook 02 just trained
      (cached by their data's fingerprint) instead of training them a second time;
    - last, the fresh-vs-committed results check, which needs the results the notebooks wrote."""
    def rank(item):
        if item.nodeid.startswith("tests/test_results_drift.py::test_fresh"):
            return 2
        return 1 if item.nodeid.startswith("tests/test_selfcheck.py::test_solutions_pass") else 0

    items.sort(key=rank)

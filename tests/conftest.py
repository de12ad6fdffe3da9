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
    """The fresh-vs-committed results check runs after everything else, i.e. after the notebooks wrote results."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/test_results_drift.py::test_fresh"))

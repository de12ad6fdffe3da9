"""The package's layout rules, checked: one seam per fast-moving library, small modules, one source per constant."""
import ast
import re

import pytest
import tomllib

from llmcourse.paths import ROOT

PACKAGE = ROOT / "llmcourse"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
SEAMS = {"transformers": "models.py", "peft": "models.py", "sentence_transformers": "models.py",
         "smolagents": "smol.py", "mcp": "mcp_server.py", "opentelemetry": "tracing.py", "openinference": "tracing.py"}
MAX_LINES = 350
DATA_MODULES = {"domain/content.py"}  # constants and literal tables only: no logic to split


def rel(path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def imported_roots(path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("library", sorted(SEAMS))
def test_each_library_is_imported_only_by_its_seam(library):
    importers = {rel(p) for p in MODULES if library in imported_roots(p)}
    assert importers <= {SEAMS[library]}, f"{library} imported outside {SEAMS[library]}: {sorted(importers)}"


def test_chat_templates_are_rendered_in_one_place():
    users = {rel(p) for p in MODULES if "apply_chat_template" in p.read_text()}
    assert users == {"models.py"}


def test_no_module_is_too_long():
    long = {rel(p): n for p in MODULES if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert set(long) <= DATA_MODULES, f"split these modules (over {MAX_LINES} lines): {long}"


def _literals(value) -> dict[str, list[int]]:
    """Modules (and line numbers) where a constant literal appears in code (docstrings and comments aside)."""
    found = {}
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and type(node.value) is type(value) and node.value == value:
                found.setdefault(rel(path), []).append(node.lineno)
            elif isinstance(value, (int, float)) and isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
                    and isinstance(node.operand, ast.Constant) and node.operand.value == -value:
                found.setdefault(rel(path), []).append(node.lineno)
    return found


@pytest.mark.parametrize("value, home", [
    (-100, "models.py"),  # the label value the loss skips
    (6.9, "domain/content.py"),  # accessory-only shipping
])
def test_each_number_is_defined_once(value, home):
    found = _literals(value)
    assert set(found) == {home} and len(found[home]) == 1, f"{value!r} written in {found}"


def _lists_of(members: set[str]) -> dict[str, list[int]]:
    """Where a list or tuple literal spells out (most of) a family of names: a second copy of that constant."""
    found = {}
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.List, ast.Tuple)):
                names = {e.value for e in node.elts if isinstance(e, ast.Constant)}
                if len(names & members) >= 3:
                    found.setdefault(rel(path), []).append(node.lineno)
    return found


@pytest.mark.parametrize("members, home", [
    ({"battery", "error_code", "shipping", "returns", "warranty", "service_booking"}, "domain/content.py"),
    ({"knowledge_changes_weekly", "needs_citations", "behaviour_change", "multistep_live_data",
      "reliability_over_capability"}, "domain/mixed.py"),
])
def test_each_list_constant_is_written_once(members, home):
    found = _lists_of(members)
    assert set(found) == {home} and len(found[home]) == 1, f"written in {found}"


def test_no_hard_coded_layer_range_and_one_today_query():
    text = {rel(p): p.read_text() for p in MODULES}
    assert not [m for m, t in text.items() if re.search(r"range\(\s*18\s*,\s*30\s*\)", t)]
    assert [m for m, t in text.items() if "key='today'\").fetchone" in t or "WHERE key='today'\")" in t] == ["domain/db.py"]


def test_pyproject_declares_what_requirements_pin():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {line.split("==")[0].strip().lower() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if "==" in line and not line.startswith("#")}
    assert {d.lower() for d in declared} <= pins, "every declared dependency has its tested version pinned"
    package_imports = set().union(*(imported_roots(p) for p in MODULES))
    names = {"sentence_transformers": "sentence-transformers", "faiss": "faiss-cpu", "IPython": "ipykernel"}
    third_party = {names.get(m, m) for m in package_imports} & (pins | set(names.values()))
    assert third_party <= {d.lower() for d in declared}, "the package imports a library pyproject does not declare"

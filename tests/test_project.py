"""The project's own rules, checked: documented settings, named queries, thin pages."""

import ast
import re

import pytest

from hub import queries
from hub.database import QUERY_DIR
from hub.settings import ROOT, SETTINGS

SQL_FILES = sorted(p for p in QUERY_DIR.glob("*.sql") if not p.name.startswith("_"))


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [var for var, _, _ in SETTINGS.values() if f"`{var}`" not in readme]
    assert not missing


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_every_query_file_has_a_header(path):
    header = path.read_text().split("\n\n")[0]
    assert header.startswith(f"-- {path.stem}:"), "first line names the query and its purpose"
    assert "-- Parameters:" in header and "-- Output:" in header


def test_every_query_file_is_used_by_a_query_function():
    source = (ROOT / "hub" / "queries.py").read_text()
    unused = [p.stem for p in SQL_FILES if f'"{p.stem}"' not in source]
    assert not unused


def test_parameters_are_bound_never_formatted():
    for path in SQL_FILES:
        text = path.read_text()
        assert "{" not in text and "%s" not in text, path.name


def test_pages_hold_no_sql_and_the_core_no_streamlit():
    for page in (ROOT / "app_pages").glob("*.py"):
        assert not re.search(r"\b(SELECT|FROM|GROUP BY)\b", page.read_text()), page.name
    for module in (ROOT / "hub").rglob("*.py"):
        if "ui" in module.relative_to(ROOT / "hub").parts:
            continue
        imports = [n for node in ast.walk(ast.parse(module.read_text()))
                   if isinstance(node, (ast.Import, ast.ImportFrom))
                   for n in ([a.name for a in node.names] if isinstance(node, ast.Import)
                             else [node.module or ""])]
        assert not any(i.split(".")[0] == "streamlit" for i in imports), module.name


def test_there_is_no_pages_folder_beside_the_entry_point():
    # A pages/ folder makes Streamlit run deep links without dashboard.py (architecture).
    assert not (ROOT / "pages").exists()


def test_headline_labels_are_those_of_kpis_md():
    kpis = (ROOT / "docs" / "kpis.md").read_text()
    labels = re.findall(r"^\| ([^|]+?) \|", kpis, flags=re.M)[1:]  # skip the header row
    assert [h.label for h in queries.HEADLINES] == labels

"""Every page in a real browser: it renders without error with every chart drawn, the console
stays clean, axe-core finds no serious or critical WCAG 2.2 AA violation caused by our content,
and a 1366x768 screenshot is saved to docs/screenshots/<page>.png (the README's pictures).

Each page is opened once a session (the `visit` fixture) and these tests read that visit.
"""

from __future__ import annotations

import struct

import pytest

from tests.e2e.conftest import KNOWN_STREAMLIT_VIOLATIONS, PAGE_VISITS, VIEWPORT

pytestmark = pytest.mark.e2e

PAGES = list(PAGE_VISITS)


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            why = (node["summary"] or "").strip().splitlines()[-1:]
            lines.append(f"    {node['target']}\n      {node['html']}\n      {''.join(why)}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_error(visit, name):
    seen = visit(name)
    assert seen.errors == [], f"{seen.address} shows errors: {seen.errors}"


@pytest.mark.parametrize("name", PAGES)
def test_every_chart_is_drawn(visit, name):
    empty = [key for key, points in visit(name).charts.items() if not points]
    assert empty == [], f"charts drawn without figures: {empty}"


@pytest.mark.parametrize("name", PAGES)
def test_console_has_no_errors(visit, name):
    seen = visit(name)
    assert seen.console_errors == [], (
        f"{seen.address}: browser console errors:\n" + "\n".join(seen.console_errors))


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violations(visit, name):
    seen = visit(name)
    ours = [v for v in seen.violations if v["id"] not in KNOWN_STREAMLIT_VIOLATIONS]
    assert ours == [], f"{seen.address}: axe-core violations:\n{_describe(ours)}"


@pytest.mark.parametrize("name", PAGES)
def test_screenshot_saved(visit, name):
    with open(visit(name).screenshot, "rb") as png:
        header = png.read(24)
    width, height = struct.unpack(">II", header[16:24])  # the PNG IHDR chunk
    assert (width, height) == (VIEWPORT["width"], VIEWPORT["height"])

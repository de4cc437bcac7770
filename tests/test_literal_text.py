"""Text from a link, an extract or a reference file is shown as typed: never as Markdown on the
page, never as HTML in a chart (the browser test tests/e2e/test_literal_text.py shows what
Chromium makes of it)."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pandas as pd

from hub.formatting import WORD_JOINER, markdown_literal, plotly_literal
from hub.settings import ROOT
from tests.builders import build_extract, episode
from tests.test_app import readable, run

PAYLOAD = "**Urgent** [Sign in again](https://evil.example/login) ![t](x.png) :red[x] $x$"


def test_markdown_punctuation_is_escaped_and_autolinks_broken():
    assert markdown_literal("a_b*c") == r"a\_b\*c"
    assert markdown_literal("[x](y)") == r"\[x\]\(y\)"
    assert markdown_literal("see www.example.com or me@example.com") == (
        f"see www{WORD_JOINER}\\.example\\.com or me\\@{WORD_JOINER}example\\.com")
    assert markdown_literal("https://e.x") == f"https{WORD_JOINER}\\:\\/\\/e\\.x"
    assert markdown_literal("two\n\n# lines") == r"two \# lines"  # no block of its own
    assert markdown_literal("Marked: 1") == r"Marked\: 1"  # no joiner where no link can start


def test_chart_text_is_escaped_for_plotly():
    assert plotly_literal('<a href="https://evil.example">x</a> & <b>') == (
        '&lt;a href="https://evil.example"&gt;x&lt;/a&gt; &amp; &lt;b&gt;')


def test_the_extract_and_reference_files_are_shown_as_typed(monkeypatch, tmp_path):
    extract = build_extract(tmp_path / "extract", extract_id=PAYLOAD, missing_episodes=[
        episode(start_at=dt.datetime(2019, m, 3, 12)) for m in range(1, 13)])
    reference = tmp_path / "reference"
    shutil.copytree(ROOT / "data" / "reference", reference)
    events = pd.read_csv(reference / "events.csv")
    events = pd.concat([events, pd.DataFrame([{
        "date": "2019-06-01", "label": PAYLOAD, "kind": "policy",
        "description": '<a href="https://evil.example">more</a>', "illustrative": "true"}])])
    events.to_csv(reference / "events.csv", index=False)
    monkeypatch.setenv("HUB_REFERENCE_DIR", str(reference))
    at = run(monkeypatch, extract, "hub_lead", "missing")
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert f"**Extract:** {markdown_literal(PAYLOAD)}" in sidebar
    marked = [c.value for c in at.caption if readable(c.value).startswith("Marked: ")]
    assert any(markdown_literal(f"{PAYLOAD} (Jun 2019)") in c for c in marked), marked
    hovers = [a.get("hovertext", "") for chart in at.get("plotly_chart")
              for a in json.loads(chart.proto.spec)["layout"].get("annotations", [])]
    assert "<a href" not in " ".join(hovers)
    assert any("&lt;a href=\"https://evil.example\"&gt;more&lt;/a&gt;" in h for h in hovers)

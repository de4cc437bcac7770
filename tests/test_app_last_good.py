"""When next month's extract is refused, every session of the server, a new visitor's too,
keeps getting the last extract that passed, with a banner saying so (AppTest, real pages)."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.parquet as pq

from hub import publish
from hub.settings import ROOT
from tests.builders import build_extract, referral
from tests.test_app import run


def test_a_new_visitor_gets_the_last_good_extract_after_a_refusal(monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_RECHECK_SECONDS", "0")  # look at every run
    live = build_extract(tmp_path / "live", extract_id="good-one", referrals=[
        referral(referral_date=dt.date(2019, 6, 1))])
    first = run(monkeypatch, live, "hub_lead")
    assert not first.warning
    # next month's extract arrives broken: a table missing, under a new id
    manifest = json.loads((live / "manifest.json").read_text())
    (live / "manifest.json").write_text(json.dumps({**manifest, "extract_id": "broken-one"}))
    (live / "referrals.parquet").unlink(missing_ok=True)
    later = run(monkeypatch, live, "hub_lead")  # a new session
    assert any("was refused" in e.value for e in later.error)
    assert any("Showing the last extract that passed validation, good\\-one" in w.value
               for w in later.warning)
    assert later.metric  # the figures of the good one


def test_a_file_truncated_in_the_live_release_is_refused_by_name(monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_RECHECK_SECONDS", "0")
    live = tmp_path / "live"
    publish.publish(build_extract(tmp_path / "may", extract_id="2019-05", referrals=[
        referral(referral_date=dt.date(2019, 6, d)) for d in (1, 2)]), live,
        ROOT / "data" / "reference")
    assert not run(monkeypatch, live, "hub_lead").error
    file = tmp_path / "releases" / "2019-05" / "referrals.parquet"
    pq.write_table(pq.read_table(file).slice(0, 1), file)  # truncated under the same manifest
    later = run(monkeypatch, live, "hub_lead")
    assert any("was refused" in e.value for e in later.error)
    assert any("referrals.parquet changed on disk since the release was published"
               in c.value for c in later.code)
    assert any("Showing the last extract that passed validation, 2019\\-05" in w.value
               for w in later.warning)
    assert later.metric

"""When next month's extract is refused, every session of the server, a new visitor's too,
keeps getting the last extract that passed, with a banner saying so (AppTest, real pages)."""

from __future__ import annotations

import datetime as dt
import json

from tests.builders import build_extract, referral
from tests.test_app import run


def test_a_new_visitor_gets_the_last_good_extract_after_a_refusal(monkeypatch, tmp_path):
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

"""No protected page shows a small count, anywhere: the real pages under Streamlit's AppTest.

The extract has one large district (Charnwood) and small ones (Melton, Oadby and Wigston), so
that monthly and breakdown figures are full of counts from 1 to 5. For the board and for
Melton's partnership, every page is run and everything a person can read as a count is checked:
metric values, the cells of every table, and the values of every chart (the plotted numbers and
the bar labels in the Plotly spec). Percentages, rates per 10,000 and prevention participants
(attendances, not people) may be small; those are recognised by their axis or label and left
out. Tables are text: a count is a cell like "3"; a percentage is written "3.0".
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from hub.contract import CHILD_AGE_BANDS, CODE_LISTS, LOCALITIES
from hub.settings import ROOT
from tests.builders import (build_extract, cohort_member, episode, followup, meeting, pursue,
                            referral, session)

DASHBOARD = str(ROOT / "dashboard.py")
PAGES = ["overview", "referrals", "missing", "lionheart", "prevention_pursuit", "local_slices",
         "about"]
MELTON = "E07000133"
SMALL_COUNT = re.compile(r"[1-9]|10")
# Columns that name what a row is, not a figure (local slices' tidy tables).
NOT_FIGURES = {"period_start", "period_end", "locality", "breakdown", "category", "review",
               "figure", "unit", "filters_not_applied"}


@pytest.fixture(scope="module")
def small_districts(tmp_path_factory) -> Path:
    """A year of made-up activity (coverage 2019, so the default period is Jul to Dec 2019)."""
    rng = random.Random(2019)
    sizes = {"E07000130": 70, "E07000129": 30, "E07000131": 15, "E07000132": 20,
             MELTON: 8, "E07000134": 18, "E07000135": 5}

    def day() -> dt.date:
        return dt.date(2019, rng.randint(1, 12), rng.randint(1, 28))

    referrals, episodes, meetings = [], [], []
    for code, n in sizes.items():
        for _ in range(n):
            looked_after = rng.random() < 0.2
            referrals.append(referral(
                referral_date=day(), locality_code=code, child_id=f"r{len(referrals)}",
                exploitation_type=rng.choices(CODE_LISTS["exploitation_type"],
                                              [5, 3, 1.5, 0.5])[0],
                sex=rng.choice(["female", "female", "male"]),
                age_band=rng.choice(CHILD_AGE_BANDS),
                referral_source=rng.choice(CODE_LISTS["referral_source"][:5]),
                ethnicity_group=rng.choice(CODE_LISTS["ethnicity_group"][:4]),
                looked_after=looked_after,
                placed_by_other_la=looked_after and rng.random() < 0.5,
                risk_level=rng.choice(CODE_LISTS["risk_level"]),
                outcome=rng.choice(CODE_LISTS["referral_outcome"]),
                nrm_referral=rng.random() < 0.1))
        for child in range(max(n // 3, 1)):
            child_id = f"{code}-{child}"
            first = dt.datetime(2019, rng.randint(1, 11), rng.randint(1, 20), 12)
            for k in range(rng.choice([1, 1, 2, 3, 4])):  # 3 within 30 days: a trigger
                start = first + dt.timedelta(days=10 * k)
                from_care = rng.random() < 0.3
                offered = rng.random() < 0.8
                accepted = offered and rng.random() < 0.7
                end = start + dt.timedelta(hours=rng.choice([6, 20, 40, 100]))
                episodes.append(episode(
                    child_id=child_id, locality_code=code, start_at=start, end_at=end,
                    missing_from="care" if from_care else "home",
                    placement_type=rng.choice(CODE_LISTS["placement_type"]) if from_care
                    else None,
                    placed_by_other_la=from_care and rng.random() < 0.5,
                    episode_type="away" if from_care and rng.random() < 0.3 else "missing",
                    police_risk=rng.choice(CODE_LISTS["police_risk"]),
                    sex=rng.choice(["female", "male"]), age_band=rng.choice(CHILD_AGE_BANDS),
                    exploitation_concern=rng.random() < 0.3,
                    recording_system=rng.choice(["legacy", "eform"]),
                    rhi_offered=offered, rhi_accepted=accepted if offered else None,
                    rhi_completed_at=end + dt.timedelta(hours=rng.choice([10, 50, 90]))
                    if accepted else None))
            if rng.random() < 0.3:
                meetings.append(meeting(child_id=child_id, locality_code=code,
                                        held_on=first.date() + dt.timedelta(days=25)))
    people, reviews = [], []
    for code, households in {"E07000130": [4, 3, 2], MELTON: [3], "E07000129": [2, 3]}.items():
        for h, size in enumerate(households):
            for _ in range(size):
                adult = rng.random() < 0.3
                person = cohort_member(
                    household_id=f"{code}-h{h}", locality_code=code,
                    person_type="vulnerable_adult" if adult else "child",
                    relationship="vulnerable_adult" if adult
                    else rng.choice(["exploited_child", "family_child"]),
                    sex=rng.choice(["female", "male"]),
                    age_band="25+" if adult else rng.choice(CHILD_AGE_BANDS),
                    identified_on=dt.date(2019, 2, 1))
                people.append(person)
                for month, when in ((3, dt.date(2019, 5, 15)), (6, dt.date(2019, 8, 15))):
                    reviews.append(followup(
                        person_id=person["person_id"], review_month=month, reviewed_on=when,
                        partnership_meeting_held=rng.random() < 0.6,
                        engaged_with_support=rng.random() < 0.6,
                        missing_since_last_review=rng.random() < 0.3,
                        re_referred=rng.random() < 0.2,
                        safeguarding_status=rng.choice(CODE_LISTS["safeguarding_status"][:4]),
                        education_employment=rng.choice(CODE_LISTS["education_employment"]),
                        nrm_decision=rng.choice(CODE_LISTS["nrm_decision"]),
                        justice_status=rng.choice(CODE_LISTS["justice_status"])))
    sessions = [session(delivered_on=day(), locality_code=rng.choice(list(sizes)),
                        programme=rng.choice(CODE_LISTS["programme"]),
                        setting=rng.choice(CODE_LISTS["setting"]),
                        funder=rng.choice(CODE_LISTS["funder"]),
                        age_band=rng.choice(CHILD_AGE_BANDS), participants=rng.randint(10, 80))
                for _ in range(40)]
    outcomes = [pursue(quarter_start=dt.date(2019, month, 1), measure=measure,
                       exploitation_type=kind, count=rng.choice([0, 1, 2, 3, 4, 7, 12]))
                for month in (1, 4, 7, 10) for measure in CODE_LISTS["pursue_measure"]
                for kind in ("cse", "cce")]
    return build_extract(tmp_path_factory.mktemp("small"), extract_id="small-districts",
                         referrals=referrals, missing_episodes=episodes,
                         strategy_meetings=meetings, lionheart_cohort=people,
                         lionheart_followups=reviews, prevention_sessions=sessions,
                         pursue_outcomes=outcomes)


def run(monkeypatch, tmp_path, extract: Path, audience: str, page: str, **query) -> AppTest:
    # Each test starts from empty caches, so no figure computed for another extract or
    # audience can leak into this one.
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("HUB_DEMO", "1")  # no sign-in: the audience from HUB_AUDIENCE
    monkeypatch.setenv("HUB_DATA_DIR", str(extract))
    monkeypatch.setenv("HUB_AUDIENCE", audience)
    monkeypatch.setenv("HUB_AUDIT_DIR", str(tmp_path / "audit"))
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    if page != "overview":
        at.run().switch_page(str(ROOT / "app_pages" / f"{page}.py"))
    for key, value in query.items():  # e.g. print="1": a page's print view, every section
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _numbers(array) -> list:
    """A Plotly data array as a list: plain JSON, or a typed array ({dtype, bdata})."""
    if array is None:
        return []
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]),
                             dtype=np.dtype(array["dtype"])).tolist()
    return list(array) if isinstance(array, (list, tuple)) else [array]


def _is_small_count(value, threshold: int = 5) -> bool:
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        return bool(SMALL_COUNT.fullmatch(text)) and int(text) <= threshold
    if isinstance(value, (bool, np.bool_)) or value is None:
        return False
    try:
        return float(value).is_integer() and 1 <= float(value) <= threshold
    except (TypeError, ValueError):
        return False


def _counts_chart(spec: dict) -> bool:
    """False for charts of percentages, rates per 10,000 or participants (may be small)."""
    layout = spec.get("layout", {})
    horizontal = any(t.get("orientation") == "h" for t in spec.get("data", []))
    axis = layout.get("xaxis" if horizontal else "yaxis", {})
    title = axis.get("title", {})
    title = title.get("text", "") if isinstance(title, dict) else str(title or "")
    return not (axis.get("ticksuffix") == "%" or "10,000" in title
                or "participant" in title.lower() or "percent" in title.lower())


def small_counts_shown(at: AppTest, threshold: int = 5) -> list[str]:
    """Every place on the page where a count of 1 to the threshold can be read."""
    found = []
    for metric in at.metric:
        if metric.label != "Prevention participants" and _is_small_count(metric.value,
                                                                           threshold):
            found.append(f"metric {metric.label!r} = {metric.value}")
    for table in at.dataframe:
        frame = table.value
        for column in list(frame.columns)[1:]:  # the first column names the row
            if str(column) in NOT_FIGURES or str(column) == "participants":
                continue
            found += [f"table column {column!r} = {v!r}" for v in frame[column]
                      if _is_small_count(v, threshold)]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if not _counts_chart(spec):
            continue
        for trace in spec["data"]:
            values = _numbers(trace.get("x" if trace.get("orientation") == "h" else "y"))
            values += _numbers(trace.get("text"))
            found += [f"chart trace {trace.get('name')!r} = {v!r}" for v in values
                      if _is_small_count(v, threshold)]
    return found


def readable_text(at: AppTest) -> str:
    """Every table and chart spec on the page, as text."""
    parts = [table.value.to_csv() for table in at.dataframe]
    parts += [chart.proto.spec for chart in at.get("plotly_chart")]
    return "\n".join(parts)


@pytest.mark.parametrize("audience", ["board", f"csp:{MELTON}"])
@pytest.mark.parametrize("page", PAGES)
def test_no_protected_page_shows_a_small_count(monkeypatch, tmp_path, small_districts, page,
                                               audience):
    # the print view: every section of a page shown by section
    at = run(monkeypatch, tmp_path, small_districts, audience, page, print="1")
    assert small_counts_shown(at) == []
    assert "1 to 5" not in readable_text(at) or page == "about"


@pytest.mark.parametrize("page", PAGES)
def test_a_partnership_never_sees_another_district(monkeypatch, tmp_path, small_districts,
                                                   page):
    at = run(monkeypatch, tmp_path, small_districts, f"csp:{MELTON}", page, print="1")
    text = readable_text(at)
    others = [name for code, name in LOCALITIES.items() if code != MELTON and name in text]
    assert others == []


def test_the_check_itself_finds_small_counts(monkeypatch, tmp_path, small_districts):
    """The hub lead's unprotected figures are full of small counts, so the check must find
    them: otherwise the tests above would prove nothing."""
    at = run(monkeypatch, tmp_path, small_districts, "hub_lead", "referrals", print="1")
    assert small_counts_shown(at)
    at = run(monkeypatch, tmp_path, small_districts, "hub_lead", "local_slices", print="1")
    assert small_counts_shown(at)


@pytest.mark.parametrize("audience", ["board", f"csp:{MELTON}", "hub_lead"])
def test_local_slices_offers_three_downloads_built_on_click(monkeypatch, tmp_path,
                                                            small_districts, audience):
    at = run(monkeypatch, tmp_path, small_districts, audience, "local_slices", print="1")
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Download CSV", "Download Excel",
                                                "Download Parquet"]
    for button in buttons:
        assert button.proto.ignore_rerun  # on_click="ignore": the page does not rerun
        assert button.proto.deferred_file_id  # data is a callable: built only on click
        assert not button.proto.disabled
    previews = [table.value for table in at.dataframe]
    assert len(previews) == 10  # every table, previewed
    localities = set().union(*(set(p["locality"]) for p in previews))
    if audience.startswith("csp"):
        assert localities == {"Melton", "Leicestershire (county)"}
        # a partnership cannot choose another locality
        assert not [box for box in at.selectbox if box.key == "slice_locality"]
    else:
        assert at.selectbox(key="slice_locality").value == "county"
        assert localities == {"Leicestershire (county)"}


def test_choosing_a_locality_and_tables(monkeypatch, tmp_path, small_districts):
    at = run(monkeypatch, tmp_path, small_districts, "board", "local_slices")
    at.selectbox(key="slice_locality").set_value(MELTON).run()
    at.multiselect(key="slice_tables").set_value(["headline", "missing_by_month"]).run()
    assert not at.exception
    # one table at a time, in a tab each: the first is open, and only it is built
    assert [t.label for t in at.tabs] == ["Headline figures", "Missing episodes by month"]
    [headline] = [table.value for table in at.dataframe]
    at.query_params["print"] = "1"  # the print view: every table chosen, one after another
    at.run()
    previews = [table.value for table in at.dataframe]
    assert len(previews) == 2 and previews[0].equals(headline)
    headline, missing = previews
    assert set(missing["locality"]) == {"Melton"}
    county_wide = headline[headline["locality"] != "Melton"]
    assert set(county_wide["locality"]) == {"Leicestershire (county)"}
    assert set(county_wide["figure"]) == {"Convictions"}  # pursue outcomes are county-wide
    assert small_counts_shown(at) == []


def test_downloads_are_switched_off_when_they_cannot_be_logged(monkeypatch, tmp_path,
                                                               small_districts):
    (tmp_path / "audit").write_text("a file where the audit folder should be")
    at = run(monkeypatch, tmp_path / "audit", small_districts, "board", "local_slices")
    assert "cannot be written" in at.warning[0].value
    assert all(button.proto.disabled for button in at.get("download_button"))


def test_the_hub_lead_reads_the_download_log_newest_first(monkeypatch, tmp_path,
                                                          small_districts):
    from hub import audit
    from hub.access import Person
    from hub.audience import Audience

    for n, fmt in enumerate(["csv", "xlsx"]):
        audit.record(tmp_path / "audit", Audience("csp", MELTON), "Melton; Jul to Dec 2019", fmt,
                     100 + n, "small-districts", now=dt.datetime(2020, 1, 1, 9, n),
                     person=Person("sub-melton", "rep@melton.example"))
    at = run(monkeypatch, tmp_path, small_districts, "hub_lead", "audit_log")
    log = at.dataframe[0].value
    assert log["format"].tolist() == ["xlsx", "csv"]
    assert log["audience"].tolist() == [f"csp:{MELTON}"] * 2
    assert log["at"].tolist() == ["2020-01-01T09:01:00Z", "2020-01-01T09:00:00Z"]


@pytest.mark.parametrize("page", ["overview", "missing", "local_slices", "about"])
def test_a_threshold_of_10_is_what_every_legend_note_and_file_says(monkeypatch, tmp_path,
                                                                   small_districts, page):
    monkeypatch.setenv("HUB_SUPPRESSION_THRESHOLD", "10")
    at = run(monkeypatch, tmp_path, small_districts, "board", page)
    assert small_counts_shown(at, threshold=10) == []
    words = " ".join([*(c.value for c in at.caption), *(m.value for m in at.markdown),
                      *(str(t.value) for t in at.table)] + [readable_text(at)])
    assert "1 to 10" in words and "1 to 5" not in words

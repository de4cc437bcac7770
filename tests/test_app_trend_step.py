"""The step of trend charts (month, quarter, half-year, financial year) and the hub lead's
period boxes, under AppTest on the real pages, on a hand-made extract worked out by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.builders import build_extract, referral, shown
from tests.test_app import run, sidebar_notes

# Financial year 2017-18 (Apr 2017-Mar 2018): 6 referrals; 2018-19: 8; 2019-20 so far: 2.
FY2017 = [f"a{i}" for i in range(6)]
FY2018 = [f"b{i}" for i in range(8)]
FY2019 = ["c0", "c1"]
DATES = {"a": dt.date(2017, 5, 10), "b": dt.date(2019, 2, 3), "c": dt.date(2019, 5, 6)}


@pytest.fixture(scope="module")
def years_extract(tmp_path_factory) -> Path:
    referrals = [referral(referral_id=name, referral_date=DATES[name[0]])
                 for name in FY2017 + FY2018 + FY2019]
    return build_extract(tmp_path_factory.mktemp("years"), coverage_start=dt.date(2017, 4, 1),
                         coverage_end=dt.date(2019, 9, 30), extract_id="years",
                         referrals=referrals)


def trend_table(at) -> dict[str, str]:
    """The first trend table on the Referral mix page (referrals by step and type): step -> CSE."""
    table = at.dataframe[0].value
    return dict(zip(table.iloc[:, 0], table["CSE"]))


def test_the_hub_lead_steps_trends_by_financial_year(monkeypatch, years_extract):
    at = run(monkeypatch, years_extract, "hub_lead", "referrals")
    assert at.sidebar.radio(key="step").options == ["Month", "Quarter", "Half-year",
                                                    "Financial year"]
    at.sidebar.radio(key="step").set_value("year").run()
    # Whole years up to the period's end (Sep 2019): 2019-20 is not whole yet.
    assert trend_table(at) == {"2017-18": "6", "2018-19": "8"}
    assert at.query_params["step"] == "year"


def test_the_board_steps_by_quarter_or_longer(monkeypatch, years_extract):
    at = run(monkeypatch, years_extract, "board", "referrals", step="year")
    assert at.sidebar.radio(key="step").options == ["Quarter", "Half-year", "Financial year"]
    assert at.sidebar.radio(key="step").value == "year"
    assert trend_table(at) == {"2017-18": str(shown(FY2017)),
                               "2018-19": str(shown(FY2018))}


def test_a_link_asking_the_board_for_months_gets_quarters(monkeypatch, years_extract):
    at = run(monkeypatch, years_extract, "board", "referrals", step="month")
    assert at.sidebar.radio(key="step").value == "quarter"
    table = trend_table(at)
    assert "Apr\u2013Jun 2017" in table and "May 2017" not in table


def test_one_district_steps_by_half_year_or_year(monkeypatch, years_extract):
    at = run(monkeypatch, years_extract, "csp:E07000133", "referrals", step="quarter")
    assert at.sidebar.radio(key="step").options == ["Half-year", "Financial year"]
    assert at.sidebar.radio(key="step").value == "half"


def test_an_unknown_step_is_named_and_ignored(monkeypatch, years_extract):
    at = run(monkeypatch, years_extract, "hub_lead", step="fortnight")
    assert "Unknown step 'fortnight' ignored." in sidebar_notes(at)
    assert at.sidebar.radio(key="step").value == "month"


def test_a_from_month_after_the_to_month_moves_the_to_box(monkeypatch, years_extract):
    at = run(monkeypatch, years_extract, "hub_lead")  # Apr-Sep 2019
    at.sidebar.selectbox(key="from").set_value("2019-08").run()
    assert at.sidebar.selectbox(key="from").value == "2019-08"
    assert at.sidebar.selectbox(key="to").value == "2019-09"  # still after: unchanged
    at.sidebar.selectbox(key="from").set_value("2018-01").run()
    at.sidebar.selectbox(key="to").set_value("2017-10").run()
    assert at.sidebar.selectbox(key="from").value == "2017-10"
    assert at.sidebar.selectbox(key="to").value == "2017-10"
    assert "'From' moved to Oct 2017 so that the period runs forwards." in [
        i.value for i in at.sidebar.info]
    assert at.query_params["from"] == "2017-10" and at.query_params["to"] == "2017-10"
    assert not sidebar_notes(at)

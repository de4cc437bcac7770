"""The real pages under Streamlit's AppTest, for every audience, on the demo extract and on a
small hand-made edge-case extract whose figures are worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hub.formatting import WORD_JOINER
from hub.settings import ROOT
from tests.builders import build_extract, episode, meeting, referral, shown, shown_share

DASHBOARD = str(ROOT / "dashboard.py")
PAGES = ["overview", "referrals", "missing", "lionheart", "prevention_pursuit", "local_slices",
         "about"]
AUDIENCES = ["board", "hub_lead", "csp:E07000133"]
GIRLS, BOYS, MELTON_REFERRAL = ["g1", "g2", "g3", "g4"], ["b1", "b2", "b3"], "m1"


def noon(y, m, d):
    return dt.datetime(y, m, d, 12)


@pytest.fixture(scope="module")
def edge_extract(tmp_path_factory) -> Path:
    """Coverage ends mid-month (15 Sep 2019), so the hub lead's default period is Mar-Aug 2019;
    the extract (from Jan 2019) holds no complete financial half-year, so protected audiences
    get its latest complete quarter, Apr-Jun 2019.

    In Mar-Aug: 7 referrals in Charnwood (3 of them boys, all in Apr-Jun) and 1 in Melton
    (June); child 'r' goes missing 3 times in March (a repeat-missing trigger, no strategy
    meeting), child 's' twice in Melton in July, with a meeting about someone else.
    """
    referrals = ([referral(referral_id=name, referral_date=dt.date(2019, 4, d), sex="female")
                  for name, d in zip(GIRLS, (1, 2, 3, 4))]
                 + [referral(referral_id=name, referral_date=dt.date(2019, 5, d), sex="male")
                    for name, d in zip(BOYS, (1, 2, 3))]
                 + [referral(referral_id=MELTON_REFERRAL, referral_date=dt.date(2019, 6, 1),
                             locality_code="E07000133")])
    episodes = ([episode(episode_id=f"r{d}", child_id="r", start_at=noon(2019, 3, d))
                 for d in (1, 5, 9)]
                + [episode(child_id="s", start_at=noon(2019, 7, d), locality_code="E07000133")
                   for d in (1, 20)])
    return build_extract(tmp_path_factory.mktemp("edge"), coverage_start=dt.date(2019, 1, 1),
                         coverage_end=dt.date(2019, 9, 15), extract_id="edge-case",
                         referrals=referrals, missing_episodes=episodes,
                         strategy_meetings=[meeting(child_id="t", held_on=dt.date(2019, 3, 20))])


def run(monkeypatch, extract: Path, audience: str, page: str = "overview",
        **query) -> AppTest:
    monkeypatch.setenv("HUB_DEMO", "1")  # no sign-in: the audience from HUB_AUDIENCE
    monkeypatch.setenv("HUB_DATA_DIR", str(extract))
    monkeypatch.setenv("HUB_AUDIENCE", audience)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    for key, value in query.items():  # the address bar of the first run: the filters
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(str(ROOT / "app_pages" / f"{page}.py")).run()
        if query:  # again for the page's own (its section: the overview has sections too)
            for key, value in query.items():
                at.query_params[key] = value
            at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def readable(markdown: str) -> str:
    """Markdown made of text from a link or a file (hub.formatting.markdown_literal) as a
    person reads it: without its escapes and invisible word joiners."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")


def sidebar_notes(at: AppTest) -> list[str]:
    return [readable(w.value) for w in at.sidebar.warning]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def text_of(at: AppTest) -> str:
    """Everything a person can read on the page: text, tables and chart data."""
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [json.dumps(json.loads(c.proto.spec)["data"]) for c in at.get("plotly_chart")]
    return "\n".join(parts)


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_demo_extract(monkeypatch, page, audience):
    at = run(monkeypatch, ROOT / "data" / "demo", audience, page)
    assert at.title, "every page has a title"


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_edge_case_extract(monkeypatch, edge_extract, page, audience):
    run(monkeypatch, edge_extract, audience, page)


def test_hub_lead_sees_the_hand_worked_headline_figures(monkeypatch, edge_extract):
    shown = metrics(run(monkeypatch, edge_extract, "hub_lead"))
    assert shown["Referrals"] == "8"
    assert shown["Male referrals (%)"] == "37.5%"  # 3 of 8
    assert shown["Missing episodes"] == "5"
    assert shown["Children missing"] == "2"
    assert shown["Children missing once (%)"] == "0.0%"  # r three times, s twice
    assert shown["Repeat-missing triggers"] == "1"
    assert shown["Strategy meetings within 14 days (%)"] == "0.0%"
    assert shown["Episodes from care, placed by other councils (%)"] == "[z]"  # none from care
    assert set(shown) >= {"Lionheart cohort", "Prevention participants", "Convictions"}


def test_board_sees_small_figures_protected(monkeypatch, edge_extract):
    at = run(monkeypatch, edge_extract, "board")  # Apr-Jun 2019
    seen = metrics(at)
    everyone = GIRLS + BOYS + [MELTON_REFERRAL]
    assert seen["Referrals"] == str(shown(everyone))
    assert seen["Male referrals (%)"] == "[c]" == shown_share(BOYS, everyone)  # 3 boys of 8
    assert seen["Missing episodes"] == "0"  # none in the quarter
    march = metrics(run(monkeypatch, edge_extract, "board", **{"from": "2019-01",
                                                                "to": "2019-03"}))
    assert march["Missing episodes"] == str(shown(["r1", "r5", "r9"]))
    assert march["Children missing"] == str(shown(["r"]))
    assert march["Repeat-missing triggers"] == str(shown(["r|2019-03-09"]))
    assert not [v for v in march.values() if v in {"1", "2", "3", "4", "5"}]


def test_filters_in_the_address_bar_change_the_figures(monkeypatch, edge_extract):
    shown = metrics(run(monkeypatch, edge_extract, "hub_lead", locality="E07000133",
                        **{"from": "2019-06", "to": "2019-07"}))
    assert shown["Referrals"] == "1"  # Melton's one referral, in June
    assert shown["Missing episodes"] == "2"  # s, in July
    assert shown["Repeat-missing triggers"] == "0"


def test_invalid_address_bar_values_are_ignored_with_a_note(monkeypatch, edge_extract):
    at = run(monkeypatch, edge_extract, "hub_lead", locality="E99999999", sex="robot",
             **{"from": "not-a-month"})
    assert metrics(at)["Referrals"] == "8"  # the default view
    notes = " ".join(sidebar_notes(at))
    assert "E99999999" in notes and "robot" in notes and "not-a-month" in notes


def test_partnership_sees_only_its_own_locality(monkeypatch, edge_extract):
    for page in ["overview", "referrals", "missing"]:
        at = run(monkeypatch, edge_extract, "csp:E07000133", page, locality="E07000130")
        assert "Charnwood" not in text_of(at)
    seen = metrics(run(monkeypatch, edge_extract, "csp:E07000133"))
    assert seen["Referrals"] == str(shown([MELTON_REFERRAL]))  # Melton's one, not the 8


def test_hub_lead_list_appears_only_for_the_hub_lead(monkeypatch, edge_extract):
    # the print view: every section of the page, each list's among them
    lead = run(monkeypatch, edge_extract, "hub_lead", "missing", print="1")
    listed = [df.value for df in lead.dataframe if "Child (pseudonym)" in df.value.columns]
    assert len(listed) == 2 and listed[0]["Child (pseudonym)"].tolist() == ["r"]
    # s's two returns, 2 and 21 July (20 hours after leaving), within 90 days of 15 Sep,
    # offered and accepted, not yet done; r's March returns are older than the look-back
    assert listed[1]["Child (pseudonym)"].tolist() == ["s", "s"]
    assert listed[1]["Days since return (to 15 Sep 2019)"].tolist() == [75, 56]
    assert "2 interviews owed, 0 of them never offered; 0 more were offered and declined." in [
        c.value for c in lead.caption]
    for audience in ["board", "csp:E07000133"]:
        at = run(monkeypatch, edge_extract, audience, "missing", print="1")
        assert not [df for df in at.dataframe if "Child (pseudonym)" in df.value.columns]
        assert not {"Children awaiting a strategy meeting", "Return home interviews still owed"
                    } & {s.value for s in at.subheader}


MISSING_SECTIONS = {  # app_pages/missing.py: each tab and the figure blocks it draws
    "Episodes and children": ["missing_trend", "missing_from_trend", "missing_recording_trend"],
    "Shares": ["missing_once_trend", "missing_from_period", "missing_out_of_area_share",
               "missing_from_home_share"],
    "Repeat missing": ["repeat_trend", "repeat_meeting_trend"],
    "Return home interviews": ["rhi_trend"],
    "The episodes in the period": ["missing_duration", "missing_placement", "missing_risk",
                                   "missing_type", "missing_locality", "missing_locality_rate"],
}


def test_missing_episodes_builds_only_its_open_section_and_the_print_view_every_one(
        monkeypatch, tmp_path, edge_extract):
    from hub import audit

    monkeypatch.setenv("HUB_AUDIT_DIR", str(tmp_path / "audit"))
    at = run(monkeypatch, edge_extract, "hub_lead", "missing")

    def blocks():
        return [h.anchor for h in at.subheader if h.anchor]

    assert [t.label for t in at.tabs][:1] == ["Episodes and children"]  # the first is open
    assert blocks() == MISSING_SECTIONS["Episodes and children"]
    assert not audit.read_log(tmp_path / "audit").shape[0]  # the lists' tabs are not open
    for label, keys in MISSING_SECTIONS.items():  # a tab opened, as a click opens it
        at.session_state["section"] = label
        at.run()
        assert blocks() == keys
        if label == "Repeat missing":  # its list is built, and its opening logged, now
            assert list(audit.read_log(tmp_path / "audit")["slice"]) == [
                "Children awaiting a strategy meeting, as of 15 Sep 2019"]
    at.multiselect(key="locality").set_value(["E07000133"]).run()  # a filter change keeps it
    assert blocks() == MISSING_SECTIONS["The episodes in the period"]
    # a link names the tab it opens at (the browser keeps the open tab in the address bar)
    linked = run(monkeypatch, edge_extract, "board", "missing", section="Shares")
    assert [h.anchor for h in linked.subheader if h.anchor] == MISSING_SECTIONS["Shares"]
    # The print view: every section, one after another, without the tabs.
    printed = run(monkeypatch, edge_extract, "board", "missing", print="1")
    assert [h.anchor for h in printed.subheader if h.anchor] == [
        key for keys in MISSING_SECTIONS.values() for key in keys]
    assert "Episodes and children" not in [t.label for t in printed.tabs]


def test_opening_the_hub_leads_lists_is_logged_once(monkeypatch, edge_extract, tmp_path):
    from hub import audit

    monkeypatch.setenv("HUB_AUDIT_DIR", str(tmp_path / "audit"))
    lead = run(monkeypatch, edge_extract, "hub_lead", "missing", print="1")  # every section
    lead.run()  # a rerun with the same filters logs nothing more
    logged = audit.read_log(tmp_path / "audit")
    assert sorted(logged["slice"]) == ["Children awaiting a strategy meeting, as of 15 Sep 2019",
                                       "Return home interviews still owed, as of 15 Sep 2019"]
    assert set(logged["format"]) == {"screen"} and set(logged["audience"]) == {"hub_lead"}
    buttons = [b.proto.label for b in lead.get("download_button")]
    assert buttons == ["Download the list (CSV, OFFICIAL-SENSITIVE — not for onward sharing)"] * 2
    for audience in ["board", "csp:E07000133"]:
        run(monkeypatch, edge_extract, audience, "missing", print="1")
    assert len(audit.read_log(tmp_path / "audit")) == 2
    # A list whose opening cannot be logged is not shown.
    (tmp_path / "blocked").write_text("a file where the audit folder should be")
    monkeypatch.setenv("HUB_AUDIT_DIR", str(tmp_path / "blocked"))
    blocked = run(monkeypatch, edge_extract, "hub_lead", "missing", section="Repeat missing")
    assert not [df for df in blocked.dataframe if "Child (pseudonym)" in df.value.columns]
    assert any("The list is not shown because" in w.value for w in blocked.warning)


def test_download_log_is_for_the_hub_lead_only(monkeypatch, edge_extract):
    lead = run(monkeypatch, edge_extract, "hub_lead", "audit_log")
    assert lead.title[0].value != "Six-month update"
    for audience in ["board", "csp:E07000133"]:  # not registered in their navigation at all
        at = run(monkeypatch, edge_extract, audience)
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(str(ROOT / "app_pages" / "audit_log.py"))


def test_a_refused_extract_shows_a_message_not_a_traceback(monkeypatch, tmp_path):
    broken = build_extract(tmp_path / "broken", referrals=[referral(sex="robot")])
    monkeypatch.setenv("HUB_DEMO", "1")
    monkeypatch.setenv("HUB_DATA_DIR", str(broken))
    monkeypatch.setenv("HUB_AUDIENCE", "board")
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    assert not at.exception
    assert "was refused" in at.error[0].value
    assert "sex" in at.get("code")[0].value  # the validator's report names the column


@pytest.mark.parametrize("broken", ["manifest", "reference"])
def test_a_bad_manifest_value_or_reference_file_shows_the_report(monkeypatch, tmp_path, broken):
    extract = build_extract(tmp_path / "extract")
    reference = tmp_path / "reference"
    reference.mkdir()
    for name in ("localities.csv", "events.csv"):
        (reference / name).write_text((ROOT / "data" / "reference" / name).read_text())
    if broken == "manifest":  # once passed validation, then crashed the app
        manifest = json.loads((extract / "manifest.json").read_text())
        manifest["coverage_end"] = 20191231
        (extract / "manifest.json").write_text(json.dumps(manifest))
    else:  # once the generic error page
        events = reference / "events.csv"
        events.write_text(events.read_text().replace("2018-02-01", "1 Feb 2018"))
    monkeypatch.setenv("HUB_DEMO", "1")
    monkeypatch.setenv("HUB_DATA_DIR", str(extract))
    monkeypatch.setenv("HUB_REFERENCE_DIR", str(reference))
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    assert not at.exception
    assert "was refused" in at.error[0].value
    rule = "[manifest types] manifest.json" if broken == "manifest" else "[event date] events.csv"
    assert rule in at.get("code")[0].value


def test_the_about_page_defines_the_headline_figures_itself(monkeypatch, edge_extract):
    at = run(monkeypatch, edge_extract, "board", "about")
    definitions = at.expander[0]
    assert definitions.label == "Definitions of the headline figures"
    shown = "\n".join(m.value for m in definitions.markdown)
    assert ("| Children missing once (%) | of those children, the share with exactly one "
            "episode starting in the period |") in shown
    assert ("| Convictions | sum of `count` for measure `convictions` over quarters starting "
            "in the period |") in shown
    assert "the child's other episodes start within the 90 days" in shown  # the trigger, too
    assert "docs/" not in text_of(at)  # nothing points into the repository


def test_the_download_log_fits_the_screen_and_names_no_server_folder(monkeypatch, edge_extract,
                                                                     tmp_path):
    from hub import audit
    from hub.access import Person
    from hub.audience import Audience

    audit.record(tmp_path, Audience("csp", "E07000133"), "Melton; Mar 2019 to Aug 2019", "csv",
                 12, "edge-case", file_name="melton.csv", now=dt.datetime(2019, 9, 16, 9, 30),
                 person=Person("sub-melton-1", "rep@melton.example"))
    monkeypatch.setenv("HUB_AUDIT_DIR", str(tmp_path))
    at = run(monkeypatch, edge_extract, "hub_lead", "audit_log")
    assert "The log is kept in the hub's audit folder." in at.caption[0].value
    assert str(tmp_path) not in text_of(at)
    table, ids = at.dataframe[0], at.dataframe[1]
    # When, who, as what, slice, format and rows on screen (tests/e2e/test_table_toolbar.py
    # measures that they fit); the file, extract and sign-in ids in a second table.
    assert list(table.proto.column_order) == ["at", "email", "audience_name", "slice", "format",
                                              "rows"]
    assert list(ids.proto.column_order) == ["at", "file_name", "extract_id", "audience",
                                            "subject"]
    assert table.value.iloc[0].to_dict() == {
        "at": "2019-09-16T09:30:00Z", "audience": "csp:E07000133",
        "audience_name": "Partnership representative for Melton",
        "slice": "Melton; Mar 2019 to Aug 2019", "format": "csv", "rows": 12,
        "extract_id": "edge-case", "file_name": "melton.csv", "subject": "sub-melton-1",
        "email": "rep@melton.example"}
    assert not at.error  # the chain is intact


def test_the_download_log_page_says_when_the_log_was_altered(monkeypatch, edge_extract,
                                                             tmp_path):
    from hub import audit
    from hub.access import Person
    from hub.audience import Audience

    for rows in (12, 30):
        audit.record(tmp_path, Audience("hub_lead"), "county", "csv", rows, "edge-case",
                     person=Person("sub-lead", "lead@hub.example"), chain="replica-1")
    file = audit.chain_file(tmp_path, "replica-1")
    file.write_text(file.read_text().replace('"rows": 30', '"rows": 3'))
    monkeypatch.setenv("HUB_AUDIT_DIR", str(tmp_path))
    at = run(monkeypatch, edge_extract, "hub_lead", "audit_log")
    assert "has been altered" in at.error[0].value
    assert "entry 2 (line 2) was edited" in at.get("code")[0].value
    assert "demo key" in at.warning[0].value  # HUB_AUDIT_SECRET is not set in the tests


def test_hub_lead_list_shows_dates_and_who_is_overdue(monkeypatch, tmp_path):
    # Coverage ends 15 Sep 2019. Child r triggers on 9 Mar (3rd episode in 90 days): 190 days
    # to 15 Sep (22 + 30 + 31 + 30 + 31 + 31 + 15), overdue. Child u triggers on 5 Sep: 10
    # days, still in time. Neither has a meeting. The period (Mar-Aug) does not apply.
    episodes = ([episode(child_id="r", start_at=noon(2019, 3, d)) for d in (1, 5, 9)]
                + [episode(child_id="u", start_at=noon(2019, 9, d)) for d in (1, 3, 5)])
    extract = build_extract(tmp_path, coverage_start=dt.date(2019, 1, 1),
                            coverage_end=dt.date(2019, 9, 15), missing_episodes=episodes)
    at = run(monkeypatch, extract, "hub_lead", "missing", section="Repeat missing")
    listed = next(df.value for df in at.dataframe if "Child (pseudonym)" in df.value.columns)
    assert listed["Child (pseudonym)"].tolist() == ["r", "u"]
    assert [str(d) for d in listed["Trigger date"]] == ["2019-03-09", "2019-09-05"]
    assert listed["Days waited (to 15 Sep 2019)"].tolist() == [190, 10]
    assert listed["Overdue"].tolist() == ["Yes", "No"]
    captions = [c.value for c in at.caption]
    assert "2 children awaiting a meeting, 1 of them overdue" in " ".join(captions)


def test_the_meetings_chart_warns_that_the_latest_month_can_read_low(monkeypatch,
                                                                    edge_extract):
    for audience in AUDIENCES:
        captions = [c.value for c in run(monkeypatch, edge_extract, audience, "missing",
                                         section="Repeat missing").caption]
        assert any("last 14 days of the extract may still get a meeting in time" in c
                   for c in captions)


# --- Local slices: the files follow the view ------------------------------------------------

def covers(at: AppTest) -> str:
    """The line beside the download buttons saying what the files hold."""
    return next(readable(m.value) for m in at.markdown
                if m.value.startswith("**These files cover"))


def test_local_slices_follow_the_locality_picked_in_the_sidebar(monkeypatch, edge_extract):
    quarter = "Apr 2019 to Jun 2019 (Q1 2019-20)"  # the board's default here
    at = run(monkeypatch, edge_extract, "board", "local_slices", print="1")  # every preview
    assert covers(at) == f"**These files cover Leicestershire (county), {quarter}.**"
    at.sidebar.multiselect(key="locality").set_value(["E07000133"]).run()
    assert at.query_params["locality"] == "E07000133"  # the link now names Melton
    assert at.selectbox(key="slice_locality").value == "E07000133"
    assert covers(at) == f"**These files cover Melton, {quarter}.**"
    breakdown = at.dataframe[1].value  # referrals by breakdown, as it will be downloaded
    assert set(breakdown["locality"]) <= {"Melton"}
    cse = breakdown[(breakdown["breakdown"] == "Exploitation type")
                    & (breakdown["category"] == "CSE")]
    # Melton's one referral, not the county's 8: [c], or perturbed to 0 and so 0, as a
    # category with none reads in a file (every category is there)
    assert cse["referrals"].tolist() == (["0"] if shown([MELTON_REFERRAL]) == 0 else ["[c]"])
    # A locality picked on the page holds while other filters change ...
    at.selectbox(key="slice_locality").set_value("E07000130").run()
    at.sidebar.selectbox(key="period").set_value("2019-01/2019-03").run()
    assert covers(at) == "**These files cover Charnwood, Jan 2019 to Mar 2019 (Q4 2018-19).**"
    assert at.query_params["from"] == "2019-01" and at.query_params["to"] == "2019-03"
    # ... until the sidebar's locality changes again.
    at.sidebar.multiselect(key="locality").set_value([]).run()
    assert covers(at) == ("**These files cover Leicestershire (county), Jan 2019 to Mar 2019 "
                          "(Q4 2018-19).**")


def test_local_slices_keep_a_partnership_to_its_own_district(monkeypatch, edge_extract):
    at = run(monkeypatch, edge_extract, "csp:E07000133", "local_slices", locality="E07000130")
    assert covers(at) == ("**These files cover Melton, Apr 2019 to Jun 2019 (Q1 2019-20), with "
                          "Leicestershire (county) totals in extra rows.**")
    text = text_of(at)
    assert "Leicestershire (county) totals for comparison in extra rows below its own" in text
    assert "beside" not in text  # the county totals are rows below, not columns beside
    assert "Charnwood" not in text

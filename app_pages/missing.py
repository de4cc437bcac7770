"""Missing episodes: how often children go missing, from where, and how the hub follows up.

Answers the committee's points on the rise at the end of 2017/18 (partly the new electronic
reporting: see the marker), children placed by other councils (the out-of-area cohort's share
over time), the falling shares missing only once and missing from home, strategy meetings
after three episodes in 90 days, and return home interviews. The hub lead also gets the
pseudonymised lists of children still awaiting a strategy meeting and of return home
interviews still owed.
"""

import streamlit as st

from hub import queries
from hub.contract import label
from hub.ui.components import by_section, figure_block, hub_lead_list, not_applied_note, \
    page_header
from hub.ui.context import view

v = view()
page_header("Missing episodes", "Episodes of children missing from home or care.")
as_of = f"{v.db.info.coverage_end:%d %b %Y}"  # the hub lead's lists are as of then


def episodes_and_children():
    """How many episodes and children, by month, from home or care, as reported."""
    figure_block(queries.missing_by_month, title="Missing episodes and children by month",
                 x="month", y="episodes", kind="line", trend=True, key="missing_trend",
                 measures={"episodes": "Episodes", "children": "Children"})
    left, right = st.columns(2)
    with left:
        figure_block(queries.episodes_by_month, dimension="missing_from_detail",
                     title="Episodes by month: home or care", x="month", y="episodes",
                     series="category", kind="line", trend=True, key="missing_from_trend")
    with right:
        figure_block(queries.episodes_by_month, dimension="recording_system",
                     title="Episodes by month and how they were reported", x="month",
                     y="episodes", series="category", kind="stack", trend=True,
                     key="missing_recording_trend")


def shares():
    """Children missing once, home or care, out-of-area children, from home: as shares."""
    left, right = st.columns(2)
    with left:
        figure_block(queries.missing_once_by_quarter,
                     title="Children missing only once in the quarter (%)", x="quarter",
                     y="missing_once_pct", kind="line", percent=True, trend=True,
                     headers={"missing_once_pct": "Missing once (%)", "quarter": "Quarter"},
                     key="missing_once_trend")
    with right:
        figure_block(queries.episode_breakdown, dimension="missing_from_detail",
                     title="Episodes in the period: home or care", x="category", y="episodes",
                     horizontal=True, key="missing_from_period")

    left, right = st.columns(2)
    with left:
        figure_block(queries.missing_shares_by_month,
                     title="Children placed by other councils, as a share of children missing",
                     x="month", y="out_of_area_pct", kind="line", percent=True, trend=True,
                     headers={"out_of_area_pct": "Placed by other councils (%)"},
                     key="missing_out_of_area_share")
        st.caption("The out-of-area cohort: children with an episode from a placement made by "
                   "another council, among the children missing in each step.")
    with right:
        figure_block(queries.missing_shares_by_month,
                     title="Episodes from home, as a share of missing episodes", x="month",
                     y="from_home_pct", kind="line", percent=True, trend=True,
                     headers={"from_home_pct": "From home (%)"}, key="missing_from_home_share")


def repeat_missing():
    """Repeat-missing triggers and strategy meetings (the hub lead: who still waits)."""
    st.header("Repeat missing and strategy meetings")
    st.caption(f"A child triggers when they go missing {v.db.repeat_threshold} times within "
               f"{v.db.repeat_window_days} days; a multi-agency strategy meeting should follow "
               "within 14 days.")
    left, right = st.columns(2)
    with left:
        figure_block(queries.repeat_missing_by_month, title="Children triggering by month",
                     x="month", y="triggered_children", kind="bar", trend=True,
                     headers={"triggered_children": "Children"}, key="repeat_trend")
    with right:
        figure_block(queries.repeat_missing_by_month,
                     title="Strategy meetings within 14 days of the trigger (%)", x="month",
                     y="met_within_14_days_pct", kind="line", percent=True, trend=True,
                     headers={"met_within_14_days_pct": "Within 14 days (%)"},
                     key="repeat_meeting_trend")
        st.caption("Children who triggered in the last 14 days of the extract may still get a "
                   "meeting in time, so the latest month can read low.")

    if v.audience.kind == "hub_lead":
        st.subheader("Children awaiting a strategy meeting")
        st.caption(f"OFFICIAL-SENSITIVE. For the hub lead only. As of {as_of}, the end of the "
                   "extract, whatever the period: pseudonymised children with a repeat-missing "
                   "trigger that no strategy meeting has answered (a meeting starts the count "
                   "again), each with their earliest unanswered trigger, longest wait first.")
        waiting = queries.children_awaiting_meeting(v.db, v.filters, v.settings.meetings_from)
        overdue = waiting["days_waited"] > 14  # a meeting is due within 14 days (kpis.md)
        waiting = waiting.assign(
            locality_code=waiting["locality_code"].map(label),
            trigger_date=waiting["trigger_date"].dt.date,  # a date, not a midnight timestamp
            overdue=overdue.map({True: "Yes", False: "No"}),
        ).rename(columns={"child_id": "Child (pseudonym)", "locality_code": "Locality",
                          "trigger_date": "Trigger date",
                          "episodes_in_window": "Episodes in window",
                          "days_waited": f"Days waited (to {as_of})", "overdue": "Overdue"})
        hub_lead_list(waiting, title="Children awaiting a strategy meeting", key="awaiting_meeting")
        st.caption(f"{len(waiting)} children awaiting a meeting, {overdue.sum()} of them overdue "
                   "(more than 14 days since the trigger).")
        not_applied_note("missing_episodes")


def return_interviews():
    """Return home interviews (the hub lead: those still owed)."""
    st.header("Return home interviews")
    figure_block(queries.return_interviews_by_month,
                 title="Return home interviews by month of return", x="month",
                 y="rhi_offered_pct", kind="line", percent=True, trend=True,
                 key="rhi_trend", measures={"rhi_offered_pct": "Offered (%)",
                                            "rhi_within_72h_pct": "Done within 72 hours (%)"})

    if v.audience.kind == "hub_lead":
        lookback = v.settings.rhi_lookback_days
        st.subheader("Return home interviews still owed")
        st.caption(f"OFFICIAL-SENSITIVE. For the hub lead only. As of {as_of}, whatever the "
                   f"period: missing episodes (not 'away') whose child returned in the last "
                   f"{lookback} days and more than 72 hours ago, with no interview done and none "
                   "declined, oldest return first.")
        episodes = queries.return_interviews_owed(v.db, v.filters, lookback)
        owed, declined = episodes[~episodes["declined"]], episodes[episodes["declined"]]
        hub_lead_list(owed.drop(columns="declined").assign(
            locality_code=owed["locality_code"].map(label),
            returned_on=owed["returned_on"].dt.date,
            offered=owed["offered"].map({True: "Yes", False: "No"}),
        ).rename(columns={"child_id": "Child (pseudonym)", "episode_id": "Episode",
                          "locality_code": "Locality", "returned_on": "Returned on",
                          "days_since_return": f"Days since return (to {as_of})",
                          "offered": "Offered"}), title="Return home interviews still owed",
                      key="interviews_owed")
        st.caption(f"{len(owed)} interviews owed, {int((~owed['offered']).sum())} of them never "
                   f"offered; {len(declined)} more were offered and declined.")
        not_applied_note("missing_episodes")


def the_episodes():
    """The episodes in the period, by duration, risk, placement, type and locality."""
    st.header("The episodes in the period")
    left, right = st.columns(2)
    with left:
        figure_block(queries.episode_breakdown, dimension="duration_band",
                     title="Episodes by how long the child was missing", x="category",
                     y="episodes", key="missing_duration")
        figure_block(queries.episode_breakdown, dimension="placement_type",
                     title="Episodes by placement type", x="category", y="episodes",
                     horizontal=True, key="missing_placement")
    with right:
        figure_block(queries.episode_breakdown, dimension="police_risk",
                     title="Episodes by police risk grading", x="category", y="episodes",
                     key="missing_risk")
        figure_block(queries.episode_breakdown, dimension="episode_type",
                     title="Missing or away (absent, whereabouts known)", x="category",
                     y="episodes", key="missing_type")

    left, right = st.columns(2)
    with left:
        figure_block(queries.locality_comparison, title="Episodes by locality", x="locality_code",
                     y="episodes", horizontal=True, select_locality=True,
                     headers={"locality_code": "Locality"}, key="missing_locality")
    with right:
        figure_block(queries.locality_comparison, title="Children missing per 10,000 aged 0-17",
                     x="locality_code", y="children_missing_per_10k", horizontal=True,
                     select_locality=True, decimals=1,
                     headers={"locality_code": "Locality",
                              "children_missing_per_10k": "Per 10,000"},
                     key="missing_locality_rate")


# 16 figure blocks: one section at a time (the print view, every section)
by_section({"Episodes and children": episodes_and_children, "Shares": shares,
            "Repeat missing": repeat_missing, "Return home interviews": return_interviews,
            "The episodes in the period": the_episodes})

"""Referral mix: who is referred to the hub, for what, by whom and where.

Answers the committee's questions on the widened brief (CSE, CCE and joint referrals, as counts
and as shares), the rise in boys referred after "Breck's Last Game", CCE referrals by sex and
from youth justice, and the reach to Gypsy, Roma and Traveller children. Localities are
compared as counts and as rates.
"""

import streamlit as st

from hub import queries
from hub.ui.components import by_section, figure_block, page_header

page_header("Referral mix", "Referrals to the hub by type, sex, source and locality.")


def types():
    """Referrals by exploitation type over time, as counts and shares; CCE by sex."""
    figure_block(queries.referrals_by_month, dimension="exploitation_type",
                 title="Referrals by month and exploitation type", x="month", y="referrals",
                 series="category", kind="line", trend=True, key="referrals_type_trend")
    left, right = st.columns(2)
    with left:
        figure_block(queries.referrals_by_month, dimension="exploitation_type",
                     title="Each exploitation type's share of referrals, over time", x="month",
                     y="referrals_pct", series="category", kind="line", percent=True,
                     trend=True,
                     headers={"referrals_pct": "Share of referrals (%)"},
                     key="referrals_type_share_trend")
    with right:
        figure_block(queries.cce_referrals_by_month, title="CCE referrals by sex, over time",
                     x="month", y="cce_referrals", series="sex", kind="line", trend=True,
                     headers={"cce_referrals": "CCE referrals"},
                     key="referrals_cce_sex_trend")
        st.caption("CCE referrals are those for criminal exploitation, alone or joint with "
                   "sexual exploitation.")


def boys_and_girls():
    """Referrals by sex over time, and boys' share by quarter."""
    left, right = st.columns(2)
    with left:
        figure_block(queries.referrals_by_month, dimension="sex",
                     title="Referrals by month and sex", x="month", y="referrals",
                     series="category", kind="line", trend=True, key="referrals_sex_trend")
    with right:
        figure_block(queries.male_share_by_quarter,
                     title="Boys as a share of referrals, by quarter", x="quarter",
                     y="male_pct", kind="line", percent=True, trend=True,
                     headers={"male_pct": "Male referrals (%)", "quarter": "Quarter"},
                     key="referrals_male_share")


def who_is_referred():
    """Who refers, and who is referred: age, risk, care, ethnicity, outcome."""
    st.header("Who is referred")
    figure_block(queries.referrals_by_source_and_type,
                 title="Referrals by source and exploitation type", x="referral_source",
                 y="referrals", series="exploitation_type", kind="stack", horizontal=True,
                 key="referrals_source")
    left, right = st.columns(2)
    with left:
        figure_block(queries.referral_breakdown, dimension="age_band",
                     title="Referrals by age band", x="category", y="referrals",
                     key="referrals_age")
        figure_block(queries.referral_breakdown, dimension="risk_level",
                     title="Referrals by risk level", x="category", y="referrals",
                     key="referrals_risk")
        figure_block(queries.referral_breakdown, dimension="care_status",
                     title="Referrals by care status", x="category", y="referrals",
                     horizontal=True, key="referrals_care")
    with right:
        figure_block(queries.referral_breakdown, dimension="ethnicity_group",
                     title="Referrals by ethnicity group", x="category", y="referrals",
                     horizontal=True, key="referrals_ethnicity")
        figure_block(queries.referral_breakdown, dimension="outcome", title="Referral outcomes",
                     x="category", y="referrals", horizontal=True, key="referrals_outcome")


def localities():
    """Referrals by locality, as counts and rates."""
    st.header("Localities")
    left, right = st.columns(2)
    with left:
        figure_block(queries.locality_comparison, title="Referrals by locality",
                     x="locality_code", y="referrals", horizontal=True, select_locality=True,
                     headers={"locality_code": "Locality"}, key="referrals_locality")
    with right:
        figure_block(queries.locality_comparison,
                     title="Referrals per 10,000 children aged 0-17", x="locality_code",
                     y="referrals_per_10k", horizontal=True, select_locality=True,
                     headers={"locality_code": "Locality", "referrals_per_10k": "Per 10,000"},
                     decimals=1, key="referrals_locality_rate")


# 13 figure blocks: one section at a time (the print view, every section)
by_section({"Exploitation types": types, "Boys and girls": boys_and_girls,
            "Who is referred": who_is_referred, "Localities": localities})

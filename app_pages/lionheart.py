"""Operation Lionheart: the people affected by the county-lines enforcement, and how they are
doing at the 3, 6 and 12-month reviews.

For the board and partnerships: the cohort by person type, relationship and household, and
outcomes at each review side by side, so that change between reviews is easy to see (including
vulnerable adults recognised as victims of exploitation).
"""

import streamlit as st

from hub import queries
from hub.ui.components import by_section, figure_block, page_header

page_header("Operation Lionheart", "Children, families and vulnerable adults affected by the "
            "enforcement, followed up at 3, 6 and 12 months.")

YES_NO = {"partnership_meeting_held": "Partnership meeting held for the family",
          "engaged_with_support": "Engaged with support",
          "missing_since_last_review": "Missing since the last review",
          "re_referred": "Re-referred to the hub"}
STATUSES = {"safeguarding_status": "Safeguarding status",
            "education_employment": "Education or employment",
            "nrm_decision": "National Referral Mechanism decisions",
            "justice_status": "Justice status (including recognised as victims)"}


def cohort():
    """Who is in the cohort: relationship, person type, households."""
    st.header("The cohort")
    left, right = st.columns(2)
    with left:
        figure_block(queries.lionheart_cohort_breakdown, dimension="relationship",
                     title="Cohort by relationship", x="category", y="people", horizontal=True,
                     key="lionheart_relationship")
        figure_block(queries.lionheart_households, title="People and households by person type",
                     x="person_type", y="people", key="lionheart_households",
                     measures={"people": "People", "households": "Households"}, kind="group")
    with right:
        figure_block(queries.lionheart_cohort_breakdown, dimension="person_type",
                     title="Cohort by person type", x="category", y="people",
                     key="lionheart_person_type")
        figure_block(queries.lionheart_cohort_breakdown, dimension="household_size",
                     title="People by size of their household in the cohort", x="category",
                     y="people", key="lionheart_household_size")


def outcomes():
    """The yes-or-no outcomes at the 3, 6 and 12-month reviews, as shares."""
    st.header("Outcomes at each review")
    left, right = st.columns(2)
    for i, (measure, title) in enumerate(YES_NO.items()):
        with (left if i % 2 == 0 else right):
            figure_block(queries.lionheart_reviews, measure=measure, category="yes",
                         title=f"{title} (%)", x="review", y="people_pct", kind="bar",
                         percent=True, headers={"review": "Review", "people_pct": "Yes (%)"},
                         key=f"lionheart_{measure}")


def statuses():
    """Safeguarding, education, NRM and justice status at each review."""
    st.header("Status at each review")
    for measure, title in STATUSES.items():
        figure_block(queries.lionheart_reviews, measure=measure, title=f"{title} at each review",
                     x="category", y="people", series="review", kind="group", horizontal=True,
                     headers={"category": title}, key=f"lionheart_{measure}")


# 12 figure blocks: one section at a time (the print view, every section)
by_section({"The cohort": cohort, "Outcomes at each review": outcomes,
            "Status at each review": statuses})

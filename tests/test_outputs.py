"""Disclosure control across views: figures a board member could put side by side.

Each test builds a case where protecting one table on its own would leak a small count (worked
out by hand below), and checks that the view is protected with the figures beside it.
"""

import datetime as dt

from hub import outputs, queries
from hub.audience import Audience
from hub.filters import Filters
from tests.builders import episode, referral

D = dt.date
BOARD, LEAD = Audience("board"), Audience("hub_lead")
CHARNWOOD, MELTON = "E07000130", "E07000133"


def sex_counts(frame):
    rows = frame[frame["dimension"] == "sex"]
    return {r.category: (r.referrals_status or int(r.referrals)) for r in rows.itertuples()}


def test_a_district_view_cannot_be_subtracted_from_the_county(make_db):
    # Charnwood 10 girls, 7 boys; Melton 8 girls, 3 boys. The county (18, 10) is shown in
    # full, so Charnwood's 7 boys would give away Melton's 3 (10 - 7): both must be hidden.
    rows = ([referral(locality_code=CHARNWOOD, sex="female") for _ in range(10)]
            + [referral(locality_code=CHARNWOOD, sex="male") for _ in range(7)]
            + [referral(locality_code=MELTON, sex="female") for _ in range(8)]
            + [referral(locality_code=MELTON, sex="male") for _ in range(3)])
    db = make_db(referrals=rows)
    period = Filters(D(2019, 1, 1), D(2019, 6, 1))

    def view(locality, audience=BOARD):
        _, frame = outputs.protected(queries.referral_breakdown, db,
                                     Filters(period.month_from, period.month_to,
                                             locality=locality), audience, 5)
        return sex_counts(frame)

    assert view(()) == {"female": 18, "male": 10}  # the county
    assert view((MELTON,)) == {"female": "[c]", "male": "[c]"}
    assert view((CHARNWOOD,))["male"] == "[c]"  # 7 on its own, but it would reveal Melton's 3
    assert view((CHARNWOOD,), LEAD) == {"female": 10, "male": 7}  # the hub lead's, as they are


def test_a_single_hidden_month_in_the_period_is_not_left_to_subtraction(make_db):
    # Monthly CSE referrals Jan-Jun: 12, 10, 11, 3, 10, 12. Period Apr-Jun: the headline
    # total (25) minus May and June would give April's 3, so May (10) is hidden with it.
    per_month = {1: 12, 2: 10, 3: 11, 4: 3, 5: 10, 6: 12}
    db = make_db(referrals=[referral(referral_date=D(2019, month, 2))
                            for month, n in per_month.items() for _ in range(n)])
    period = Filters(D(2019, 4, 1), D(2019, 6, 1))
    _, frame = outputs.protected(queries.referrals_by_month, db, period, BOARD, 5)
    cse = frame[(frame["dimension"] == "exploitation_type")]
    shown = dict(zip(cse["month"].dt.month, cse["referrals_status"].where(
        cse["referrals_status"] != "", cse["referrals"])))
    assert shown == {1: 12, 2: 10, 3: 11, 4: "[c]", 5: "[c]", 6: 12}
    cards = {c.label: c.value for c in outputs.headline(db, period, BOARD, 5)}
    assert cards["Referrals"] == "25"


def test_ordered_categories_read_in_their_order_not_alphabetically(make_db):
    # Durations of 30 h, 10 h, 3 days and 10 days; police risk high, low and medium. Every
    # count is small, so the hub lead (unprotected) sees them all.
    start = dt.datetime(2019, 3, 1, 12)
    rows = [episode(child_id=f"c{i}", start_at=start, end_at=start + dt.timedelta(hours=h),
                    police_risk=risk)
            for i, (h, risk) in enumerate(((30, "high"), (10, "low"), (72, "medium"),
                                           (240, "low")))]
    db = make_db(missing_episodes=rows)
    _, frame = outputs.protected(queries.episode_breakdown, db, Filters(D(2019, 3, 1),
                                 D(2019, 3, 1)), LEAD, 5)

    def rows_of(dimension):
        part = frame[frame["dimension"] == dimension]
        return list(zip(part["category"], part["episodes"]))

    assert rows_of("duration_band") == [("up_to_24_hours", 1), ("24_to_48_hours", 1),
                                        ("2_to_7_days", 1), ("over_7_days", 1)]
    assert rows_of("police_risk") == [("high", 1), ("medium", 1), ("low", 2)]
    # each breakdown's rows stay together, in the query's order of breakdowns
    dimensions = list(frame["dimension"])
    assert dimensions == sorted(dimensions, key=dimensions.index)

-- Macros shared by the named queries, created once when the database opens.

-- keep(value, allowed): true when there is no restriction (allowed IS NULL) or value is allowed.
CREATE MACRO keep(value, allowed) AS (allowed IS NULL OR list_contains(allowed, value));

-- key_sum(k, cond): the sum of the record keys k (hub/database.py RECORD_KEYS) of the units a
-- count counts, with the count's FILTER condition if any: a BIGINT, 0 when there are none.
-- Every count X a query outputs comes with X_key = key_sum(...) (Python takes it mod 256).
CREATE MACRO key_sum(k, cond := true) AS CAST(coalesce(sum(k) FILTER (cond), 0) AS BIGINT);

-- filtered_episodes: missing episodes under the locality, sex and age band restrictions, any date.
CREATE MACRO filtered_episodes(localities, sexes, age_bands) AS TABLE
    SELECT * FROM missing_episodes
    WHERE keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands);

-- trigger_episodes: episodes at whose start the child has `threshold` or more episode starts in
-- the `window_days` calendar days ending that day (kpis.md, "Trigger"). Episodes outside any
-- reporting period still count towards the window, so this runs over every date.
CREATE MACRO trigger_episodes(localities, sexes, age_bands, threshold, window_days) AS TABLE
    SELECT child_id, locality_code, start_date AS trigger_date, episodes_in_window, trigger_rkey
    FROM (
        SELECT child_id, locality_code, start_date, trigger_rkey,
               count(*) OVER (PARTITION BY child_id ORDER BY start_date
                              RANGE BETWEEN to_days(window_days - 1) PRECEDING AND CURRENT ROW)
                   AS episodes_in_window
        FROM filtered_episodes(localities, sexes, age_bands)
    )
    WHERE episodes_in_window >= threshold;

-- first_triggers: each child's first trigger date in [date_from, date_to], the episodes in the
-- window that day, the trigger's record key, and their first strategy meeting (any trigger) on
-- or after that date.
CREATE MACRO first_triggers(date_from, date_to, localities, sexes, age_bands, threshold,
                            window_days) AS TABLE
    WITH firsts AS (
        SELECT child_id, arg_min(locality_code, trigger_date) AS locality_code,
               min(trigger_date) AS trigger_date,
               arg_min(episodes_in_window, trigger_date) AS episodes_in_window,
               arg_min(trigger_rkey, trigger_date) AS trigger_rkey
        FROM trigger_episodes(localities, sexes, age_bands, threshold, window_days)
        WHERE trigger_date BETWEEN date_from AND date_to
        GROUP BY child_id
    )
    SELECT f.child_id, f.locality_code, f.trigger_date, f.episodes_in_window, f.trigger_rkey,
           min(m.held_on) AS first_meeting_on,
           coalesce(min(m.held_on) <= f.trigger_date + 14, false) AS met_within_14_days
    FROM firsts f
    LEFT JOIN strategy_meetings m
        ON m.child_id = f.child_id AND m.held_on >= f.trigger_date
        AND keep(m.locality_code, localities)
    GROUP BY f.child_id, f.locality_code, f.trigger_date, f.episodes_in_window, f.trigger_rkey;

-- Calendar helpers: the month, quarter, financial half-year (Apr-Sep, Oct-Mar) or financial year
-- a date falls in, and every one of them in a range (so that a period with nothing in it is a 0,
-- not a missing point). A trend's time step is its $grain: 'month', 'quarter', 'half' or
-- 'year'. A period is named by its first day; periods are aligned on the financial year
-- (April), which leaves months and calendar quarters as they are.
CREATE MACRO month_of(day) AS CAST(date_trunc('month', day) AS DATE);
CREATE MACRO months(date_from, date_to) AS TABLE
    SELECT CAST(range AS DATE) AS month
    FROM range(CAST(month_of(date_from) AS TIMESTAMP), CAST(date_to AS TIMESTAMP) + INTERVAL 1 DAY,
               INTERVAL 1 MONTH);
CREATE MACRO grain_months(grain) AS
    CASE grain WHEN 'month' THEN 1 WHEN 'quarter' THEN 3 WHEN 'half' THEN 6 WHEN 'year' THEN 12
               ELSE error('unknown grain: ' || grain) END;
-- the month number (year * 12 + month - 1) of a day's period: months from April, rounded down
-- to whole periods of the grain
CREATE MACRO period_index(day, grain) AS
    (year(day) * 12 + month(day) - 4) // grain_months(grain) * grain_months(grain) + 3;
CREATE MACRO period_of(day, grain) AS
    make_date(CAST(period_index(day, grain) // 12 AS INTEGER),
              CAST(period_index(day, grain) % 12 + 1 AS INTEGER), 1);
CREATE MACRO periods(date_from, date_to, grain) AS TABLE
    SELECT DISTINCT period_of(month, grain) AS month FROM months(date_from, date_to);

-- filtered_referrals: referrals in a period under every restriction that referrals carry.
CREATE MACRO filtered_referrals(date_from, date_to, localities, sexes, age_bands,
                                exploitation_types) AS TABLE
    SELECT * FROM referrals
    WHERE referral_date BETWEEN date_from AND date_to
      AND keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands)
      AND keep(exploitation_type, exploitation_types);

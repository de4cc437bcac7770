-- Macros shared by the named queries, created once when the database opens.

-- keep(value, allowed): true when there is no restriction (allowed IS NULL) or value is allowed.
CREATE MACRO keep(value, allowed) AS (allowed IS NULL OR list_contains(allowed, value));

-- key_sum(k, cond): the sum of the record keys k (hub/database.py RECORD_KEYS) of the units a
-- count counts, with the count's FILTER condition if any: a BIGINT, 0 when there are none.
-- Every count X a query outputs comes with X_key = key_sum(...) (Python takes it mod 256).
CREATE MACRO key_sum(k, cond := true) AS CAST(coalesce(sum(k) FILTER (cond), 0) AS BIGINT);
-- total(x, cond): the same sum for counts already counted (the base aggregates of _prepare.sql).
CREATE MACRO total(x, cond := true) AS key_sum(x, cond);

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
-- the first day of a day's period: its month, less the months since the period began (periods
-- are whole steps of the grain from April)
CREATE MACRO period_of(day, grain) AS
    CAST(month_of(day) - to_months(CAST((year(day) * 12 + month(day) - 4) % grain_months(grain)
                                        AS INTEGER)) AS DATE);
CREATE MACRO periods(date_from, date_to, grain) AS TABLE
    SELECT DISTINCT period_of(month, grain) AS month FROM months(date_from, date_to);

-- filtered_episodes: missing episodes under the locality, sex and age band restrictions, any date.
CREATE MACRO filtered_episodes(localities, sexes, age_bands) AS TABLE
    SELECT * FROM missing_episodes
    WHERE keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands);

-- whole_months(date_from, date_to): true when a range is whole months (every filter set's
-- period and trend is): the base aggregates of _prepare.sql, by month, answer for it.
CREATE MACRO whole_months(date_from, date_to) AS
    (day(date_from) = 1 AND date_to = last_day(date_to));

-- kept_whole: a restriction keeps every value of a list (and none of them is missing);
-- kept_any: it keeps one of them at least (a value not recorded is never kept).
CREATE MACRO kept_whole(values_, allowed, complete) AS
    (allowed IS NULL OR (complete AND list_has_all(allowed, values_)));
CREATE MACRO kept_any(values_, allowed) AS (allowed IS NULL OR list_has_any(allowed, values_));

-- episode_long: filtered episodes starting in [date_from, date_to] (NULL: any date), one row per
-- breakdown the missing page shows (dimension, category), with the episode's month of start,
-- locality, sex and age band (cell_ columns) and record key. Duration is from start to return;
-- an episode still open at the end of the extract has duration band 'still_missing'.
CREATE MACRO episode_long(date_from, date_to, localities, sexes, age_bands) AS TABLE
    UNPIVOT (
        SELECT month_of(start_date) AS month, locality_code, sex AS cell_sex,
               age_band AS cell_age_band, rkey,
               missing_from, coalesce(placement_type, 'not_in_care') AS placement_type,
               episode_type, police_risk, recording_system, sex, age_band,
               CASE WHEN missing_from = 'home' THEN 'home'
                    WHEN placed_by_other_la THEN 'care_placed_by_other_council'
                    ELSE 'care_of_the_county' END AS missing_from_detail,
               CASE WHEN exploitation_concern THEN 'yes' ELSE 'no' END AS exploitation_concern,
               CASE WHEN end_at IS NULL THEN 'still_missing'
                    WHEN end_at - start_at <= INTERVAL 24 HOUR THEN 'up_to_24_hours'
                    WHEN end_at - start_at <= INTERVAL 48 HOUR THEN '24_to_48_hours'
                    WHEN end_at - start_at <= INTERVAL 7 DAY THEN '2_to_7_days'
                    ELSE 'over_7_days' END AS duration_band
        FROM filtered_episodes(localities, sexes, age_bands)
        WHERE date_from IS NULL OR start_date BETWEEN date_from AND date_to
    ) ON COLUMNS(* EXCLUDE (month, locality_code, cell_sex, cell_age_band, rkey))
    INTO NAME dimension VALUE category;

-- return_rows: filtered episodes ending in [date_from, date_to] (NULL: any date) with their month
-- of return, each counted as ended, offered a return home interview and interviewed within 72
-- hours (1 or 0), and the record key of each count (the key, or 0).
CREATE MACRO return_rows(date_from, date_to, localities, sexes, age_bands) AS TABLE
    SELECT month, locality_code, sex, age_band, 1 AS ended_episodes,
           CAST(offered AS INTEGER) AS rhi_offered, CAST(within AS INTEGER) AS rhi_within_72h,
           rkey AS ended_episodes_key, CASE WHEN offered THEN rkey ELSE 0 END AS rhi_offered_key,
           CASE WHEN within THEN rkey ELSE 0 END AS rhi_within_72h_key
    FROM (
        SELECT month_of(end_date) AS month, locality_code, sex, age_band, rkey,
               coalesce(rhi_offered, false) AS offered,
               coalesce(rhi_completed_at - end_at <= INTERVAL 72 HOUR, false) AS within
        FROM filtered_episodes(localities, sexes, age_bands)
        WHERE end_date IS NOT NULL
          AND (date_from IS NULL OR end_date BETWEEN date_from AND date_to)
    );

-- filtered_referrals: referrals in a period under every restriction that referrals carry.
CREATE MACRO filtered_referrals(date_from, date_to, localities, sexes, age_bands,
                                exploitation_types) AS TABLE
    SELECT * FROM referrals
    WHERE referral_date BETWEEN date_from AND date_to
      AND keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands)
      AND keep(exploitation_type, exploitation_types);

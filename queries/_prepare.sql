-- Work that does not depend on the filters, done once when an extract is opened (after
-- _macros.sql): base aggregates that add up, and the repeat-missing triggers with their windows.
-- Every table here is read by the macros of _macros.sql, which give exactly what the raw tables
-- give for every filter set. One statement at a time (statements end with a semicolon at the end
-- of a line). Parameters: $threshold, $window_days (the database's trigger settings: integers,
-- written into the statements, macros included).

-- mixed_children: children whose episodes do not all share one locality, sex and age band, with
-- the values they have. A filter keeps all of any other child's episodes or none of them.
CREATE TABLE mixed_children AS
    SELECT *, dense_rank() OVER (ORDER BY child_localities, child_sexes, child_age_bands,
                                          complete) AS profile
    FROM (
        SELECT child_id, list_sort(list(DISTINCT locality_code)) AS child_localities,
               list_sort(list(DISTINCT sex)) AS child_sexes,
               list_sort(list(DISTINCT age_band)) AS child_age_bands,
               -- no value is missing (a restriction never keeps an episode whose value is NULL)
               count(*) = least(count(locality_code), count(sex), count(age_band)) AS complete,
               -- missing from more than one locality (or from one not recorded)
               count(DISTINCT locality_code) > 1 OR count(*) > count(locality_code) AS moved
        FROM missing_episodes
        GROUP BY child_id
        HAVING count(DISTINCT locality_code) > 1 OR count(DISTINCT sex) > 1
            OR count(DISTINCT age_band) > 1 OR NOT complete
    )
    ORDER BY profile;

-- mixed_profiles: the localities, sexes and age bands mixed children have (a few hundred).
CREATE TABLE mixed_profiles AS
    SELECT DISTINCT profile, child_localities, child_sexes, child_age_bands, complete
    FROM mixed_children;

-- partial_children: the children (of mixed_children) a restriction may keep some episodes of
-- but not all; it keeps all or none of every other child's. (Decided for each profile.)
CREATE MACRO partial_children(localities, sexes, age_bands) AS TABLE
    SELECT child_id FROM mixed_children
    WHERE profile IN (
        SELECT profile FROM mixed_profiles
        WHERE NOT (kept_whole(child_localities, localities, complete)
                   AND kept_whole(child_sexes, sexes, complete)
                   AND kept_whole(child_age_bands, age_bands, complete))
          AND kept_any(child_localities, localities) AND kept_any(child_sexes, sexes)
          AND kept_any(child_age_bands, age_bands));

-- mixed_episodes: the episodes of mixed_children.
CREATE TABLE mixed_episodes AS
    SELECT * FROM missing_episodes
    WHERE child_id IN (SELECT child_id FROM mixed_children)
    ORDER BY child_id, start_date;

-- split_episodes: filtered episodes of every child (if everyone), or else of the children a
-- restriction splits (partial_children) and, if with_moved, of those missing from more than one
-- locality. (Two branches, so that DuckDB skips the one a query's parameters rule out.)
CREATE MACRO split_episodes(localities, sexes, age_bands, everyone, with_moved := false) AS TABLE
    SELECT * FROM filtered_episodes(localities, sexes, age_bands)
    WHERE everyone
    UNION ALL
    SELECT e.* FROM mixed_episodes e
    JOIN (SELECT child_id FROM partial_children(localities, sexes, age_bands)
          UNION SELECT child_id FROM mixed_children WHERE with_moved AND moved) USING (child_id)
    WHERE NOT everyone AND keep(e.locality_code, localities) AND keep(e.sex, sexes)
      AND keep(e.age_band, age_bands);

-- episode_windows: split_episodes, each with the child's filtered episode starts in the
-- `window_days` calendar days ending that day.
CREATE MACRO episode_windows(localities, sexes, age_bands, window_days, everyone) AS TABLE
    SELECT child_id, locality_code, sex, age_band, start_date AS trigger_date, trigger_rkey,
           count(*) OVER (PARTITION BY child_id ORDER BY start_date
                          RANGE BETWEEN to_days(window_days - 1) PRECEDING AND CURRENT ROW)
               AS episodes_in_window
    FROM split_episodes(localities, sexes, age_bands, everyone);

-- meeting_children: the localities of each child's strategy meetings (complete: none missing).
CREATE TABLE meeting_children AS
    SELECT child_id, list_sort(list(DISTINCT locality_code)) AS meeting_localities,
           count(*) = count(locality_code) AS meetings_complete
    FROM strategy_meetings
    GROUP BY child_id;

-- trigger_windows: every trigger over all of each child's episodes (trigger_episodes with no
-- restriction): the triggers under any restriction for every child it keeps whole; with the
-- child's first strategy meeting on or after the trigger (any locality) and the localities of
-- the child's meetings.
CREATE TABLE trigger_windows AS
    SELECT t.*, m.held_on AS first_meeting_on, c.meeting_localities,
           coalesce(c.meetings_complete, true) AS meetings_complete
    FROM (SELECT * FROM episode_windows(NULL, NULL, NULL, $window_days, everyone := true)
          WHERE episodes_in_window >= $threshold) t
    ASOF LEFT JOIN (SELECT child_id, held_on FROM strategy_meetings) m
        ON t.child_id = m.child_id AND m.held_on >= t.trigger_date
    LEFT JOIN meeting_children c ON c.child_id = t.child_id
    ORDER BY t.trigger_date, t.child_id;

-- mixed_meeting_triggers: the triggers of children with strategy meetings in more than one
-- locality (or in one not recorded): a locality restriction may keep some of their meetings.
CREATE TABLE mixed_meeting_triggers AS
    SELECT * FROM trigger_windows
    WHERE meeting_localities IS NOT NULL
      AND (len(meeting_localities) > 1 OR NOT meetings_complete);

-- trigger_episodes: episodes at whose start the child has `threshold` or more episode starts in
-- the `window_days` calendar days ending that day (kpis.md, "Trigger"). Episodes outside any
-- reporting period still count towards the window, so the window runs over every date: once,
-- when the extract is opened (trigger_windows, right for every child a restriction keeps
-- whole), and here only for the children a restriction splits (or for other settings).
CREATE MACRO prepared_triggers(threshold, window_days) AS
    (threshold = $threshold AND window_days = $window_days);
CREATE MACRO trigger_episodes(localities, sexes, age_bands, threshold, window_days) AS TABLE
    SELECT child_id, locality_code, trigger_date, episodes_in_window, trigger_rkey
    FROM trigger_windows
    WHERE prepared_triggers(threshold, window_days)
      AND keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands)
      AND child_id NOT IN (SELECT child_id FROM partial_children(localities, sexes, age_bands))
    UNION ALL
    SELECT child_id, locality_code, trigger_date, episodes_in_window, trigger_rkey
    FROM episode_windows(localities, sexes, age_bands, window_days,
                         everyone := NOT prepared_triggers(threshold, window_days))
    WHERE episodes_in_window >= threshold;

-- meetings_known: a locality restriction keeps all or none of the meetings of a child whose
-- meetings are in meeting_localities (NULL: none), so trigger_windows' first meeting holds.
CREATE MACRO meetings_known(localities, meeting_localities, meetings_complete) AS
    (localities IS NULL OR meeting_localities IS NULL
     OR (meetings_complete AND (list_has_all(localities, meeting_localities)
                                OR NOT list_has_any(localities, meeting_localities))));

-- triggers_met_apart: the triggers in [date_from, date_to] that trigger_cells does not count
-- (every trigger, if everyone; otherwise those of the children a restriction splits, and of
-- the children it keeps whole and keeps only some of the meetings of), each with the first
-- strategy meeting on or after it among those the locality restriction keeps.
CREATE MACRO triggers_met_apart(date_from, date_to, localities, sexes, age_bands, threshold,
                                window_days, everyone) AS TABLE
    WITH t AS (
        SELECT child_id, trigger_date, trigger_rkey
        FROM trigger_episodes(localities, sexes, age_bands, threshold, window_days)
        WHERE everyone
        UNION ALL
        SELECT child_id, trigger_date, trigger_rkey
        FROM episode_windows(localities, sexes, age_bands, window_days, everyone := false)
        WHERE NOT everyone AND episodes_in_window >= threshold
        UNION ALL
        SELECT child_id, trigger_date, trigger_rkey
        FROM mixed_meeting_triggers
        WHERE NOT everyone
          AND keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands)
          AND NOT meetings_known(localities, meeting_localities, meetings_complete)
          AND child_id NOT IN (SELECT child_id FROM partial_children(localities, sexes, age_bands))
    )
    SELECT t.child_id, t.trigger_date, t.trigger_rkey, min(m.held_on) AS first_meeting_on
    FROM t
    LEFT JOIN strategy_meetings m
        ON m.child_id = t.child_id AND m.held_on >= t.trigger_date
        AND keep(m.locality_code, localities)
    WHERE t.trigger_date BETWEEN date_from AND date_to
    GROUP BY t.child_id, t.trigger_date, t.trigger_rkey;

-- episode_cells: episodes by month of start, locality, sex, age band and each breakdown of
-- episode_long, with their record-key sums (counts and key sums add up).
CREATE TABLE episode_cells AS
    SELECT month, locality_code, cell_sex AS sex, cell_age_band AS age_band, dimension, category,
           count(*) AS episodes, key_sum(rkey) AS episodes_key
    FROM episode_long(NULL, NULL, NULL, NULL, NULL)
    GROUP BY ALL
    ORDER BY month, dimension, category;

-- episode_cells_in: episodes (and their key sums) by month of start, dimension and category, for
-- whole months from _prepare.sql's episode_cells, otherwise from the episodes.
CREATE MACRO episode_cells_in(date_from, date_to, localities, sexes, age_bands,
                              by_locality := false) AS TABLE
    SELECT month, CASE WHEN by_locality THEN locality_code END AS locality_code, dimension,
           category, episodes, episodes_key
    FROM episode_cells
    WHERE whole_months(date_from, date_to) AND month BETWEEN date_from AND date_to
      AND keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands)
    UNION ALL
    SELECT month, CASE WHEN by_locality THEN locality_code END, dimension, category, 1, rkey
    FROM episode_long(date_from, date_to, localities, sexes, age_bands)
    WHERE NOT whole_months(date_from, date_to);

-- return_cells: episodes by month of return (ended episodes), locality, sex and age band, with
-- those offered a return home interview and those that had one within 72 hours.
CREATE TABLE return_cells AS
    SELECT month, locality_code, sex, age_band,
           CAST(sum(ended_episodes) AS BIGINT) AS ended_episodes,
           CAST(sum(rhi_offered) AS BIGINT) AS rhi_offered,
           CAST(sum(rhi_within_72h) AS BIGINT) AS rhi_within_72h,
           CAST(sum(ended_episodes_key) AS BIGINT) AS ended_episodes_key,
           CAST(sum(rhi_offered_key) AS BIGINT) AS rhi_offered_key,
           CAST(sum(rhi_within_72h_key) AS BIGINT) AS rhi_within_72h_key
    FROM return_rows(NULL, NULL, NULL, NULL, NULL)
    GROUP BY ALL
    ORDER BY month;

-- return_cells_in: return_rows summed by month of return: whole months from _prepare.sql's
-- return_cells, otherwise from the episodes.
CREATE MACRO return_cells_in(date_from, date_to, localities, sexes, age_bands) AS TABLE
    SELECT * EXCLUDE (locality_code, sex, age_band)
    FROM return_cells
    WHERE whole_months(date_from, date_to) AND month BETWEEN date_from AND date_to
      AND keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands)
    UNION ALL
    SELECT * EXCLUDE (locality_code, sex, age_band)
    FROM return_rows(date_from, date_to, localities, sexes, age_bands)
    WHERE NOT whole_months(date_from, date_to);

-- child_cells: for each trend grain, children missing in each period (an episode starting in
-- it), those missing once in it (one episode) and those missing from a placement by another
-- council, with their record-key sums (child_rkey), by locality and the sexes and age bands of
-- all their episodes: children counted once each add up across these cells. Children missing
-- from more than one locality are left out (counted from their episodes: child_cells_in).
CREATE TABLE child_cells AS
    WITH per_child AS (
        SELECT g.grain, period_of(e.start_date, g.grain) AS month, e.child_id,
               any_value(e.child_rkey) AS child_rkey, any_value(e.locality_code) AS locality_code,
               any_value(e.sex) AS sex, any_value(e.age_band) AS age_band, count(*) AS n,
               bool_or(e.placed_by_other_la) AS out_of_area
        FROM missing_episodes e
        CROSS JOIN (SELECT unnest(['month', 'quarter', 'half', 'year']) AS grain) g
        WHERE e.child_id NOT IN (SELECT child_id FROM mixed_children WHERE moved)
        GROUP BY g.grain, month, e.child_id
    )
    SELECT c.grain, c.month, c.locality_code, coalesce(m.child_sexes, [c.sex]) AS child_sexes,
           coalesce(m.child_age_bands, [c.age_band]) AS child_age_bands,
           coalesce(m.complete, true) AS complete, count(*) AS children,
           key_sum(c.child_rkey) AS children_key,
           count(*) FILTER (c.n = 1) AS children_missing_once,
           key_sum(c.child_rkey, c.n = 1) AS children_missing_once_key,
           count(*) FILTER (c.out_of_area) AS children_out_of_area,
           key_sum(c.child_rkey, c.out_of_area) AS children_out_of_area_key
    FROM per_child c
    LEFT JOIN mixed_children m USING (child_id)
    GROUP BY ALL
    ORDER BY c.grain, c.month;

-- child_rows_in: children missing (an episode starting in the range, under the restrictions)
-- in each period of `grain` in [date_from, date_to] (grain NULL: the range is one period), with
-- those missing once and those from placements by other councils, each with its record-key sum,
-- and by locality if by_locality (a child counts once in each locality, else once): summed
-- from child_cells for whole periods, except for the children a restriction splits or missing
-- from more than one locality, counted here from their episodes (all children, otherwise).
CREATE MACRO child_rows_in(date_from, date_to, grain, localities, sexes, age_bands, fast,
                           by_locality := false) AS TABLE
    SELECT month, CASE WHEN by_locality THEN locality_code END AS locality_code,
           children, children_key, children_missing_once, children_missing_once_key,
           children_out_of_area, children_out_of_area_key
    FROM child_cells c
    WHERE fast AND c.grain = grain
      AND c.month BETWEEN date_from AND date_to
      AND keep(c.locality_code, localities) AND kept_whole(child_sexes, sexes, complete)
      AND kept_whole(child_age_bands, age_bands, complete)
    UNION ALL
    SELECT month, locality_code, 1, child_rkey, CAST(n = 1 AS INTEGER),
           CASE WHEN n = 1 THEN child_rkey ELSE 0 END, CAST(out_of_area AS INTEGER),
           CASE WHEN out_of_area THEN child_rkey ELSE 0 END
    FROM (
        SELECT CASE WHEN grain IS NULL THEN date_from
                    ELSE period_of(start_date, coalesce(grain, 'month')) END AS month,
               CASE WHEN by_locality THEN locality_code END AS locality_code, child_id,
               child_rkey, count(*) AS n, bool_or(placed_by_other_la) AS out_of_area
        FROM split_episodes(localities, sexes, age_bands,
                            everyone := NOT fast,
                            with_moved := true)
        WHERE start_date BETWEEN date_from AND date_to
        GROUP BY ALL
    );

-- child_cells_in: child_rows_in summed by period (and locality, if by_locality).
CREATE MACRO child_cells_in(date_from, date_to, grain, localities, sexes, age_bands, fast,
                            by_locality := false) AS TABLE
    SELECT month, locality_code, total(children) AS children, total(children_key) AS children_key,
           total(children_missing_once) AS children_missing_once,
           total(children_missing_once_key) AS children_missing_once_key,
           total(children_out_of_area) AS children_out_of_area,
           total(children_out_of_area_key) AS children_out_of_area_key
    FROM child_rows_in(date_from, date_to, grain, localities, sexes, age_bands, fast,
                       by_locality)
    GROUP BY month, locality_code;

-- trigger_cells: for each trend step, children with a repeat-missing trigger in it and those met
-- within 14 days of their first trigger in it (by any meeting), with their record-key sums (the
-- first trigger's trigger_rkey), by the localities, sexes and age bands of all the children's
-- episodes and the localities of their meetings: these add up across cells.
CREATE TABLE trigger_cells AS
    WITH firsts AS (
        SELECT g.grain, period_of(t.trigger_date, g.grain) AS month, t.child_id,
               any_value(t.locality_code) AS locality_code, any_value(t.sex) AS sex,
               any_value(t.age_band) AS age_band,
               any_value(t.meeting_localities) AS meeting_localities,
               any_value(t.meetings_complete) AS meetings_complete,
               arg_min(t.trigger_rkey, t.trigger_date) AS trigger_rkey,
               coalesce(arg_min_null(t.first_meeting_on, t.trigger_date)
                        <= min(t.trigger_date) + 14, false) AS met
        FROM trigger_windows t
        CROSS JOIN (SELECT unnest(['month', 'quarter', 'half', 'year']) AS grain) g
        GROUP BY g.grain, month, t.child_id
    )
    SELECT f.grain, f.month, coalesce(m.child_localities, [f.locality_code]) AS child_localities,
           coalesce(m.child_sexes, [f.sex]) AS child_sexes,
           coalesce(m.child_age_bands, [f.age_band]) AS child_age_bands,
           coalesce(m.complete, true) AS complete, f.meeting_localities, f.meetings_complete,
           count(*) AS triggered_children, key_sum(f.trigger_rkey) AS triggered_children_key,
           count(*) FILTER (f.met) AS met_within_14_days,
           key_sum(f.trigger_rkey, f.met) AS met_within_14_days_key
    FROM firsts f
    LEFT JOIN mixed_children m USING (child_id)
    GROUP BY ALL
    ORDER BY f.grain, f.month;

-- trigger_cells_in: children with a trigger in each period of `grain` in [date_from, date_to]
-- (grain NULL: the range is one period) under the restrictions, and those met within 14 days of
-- their first trigger in it by a meeting the locality restriction keeps, with their key sums:
-- summed from trigger_cells for whole periods and the database's trigger settings, except for
-- the children a restriction splits or keeps some of the meetings of, counted here from their
-- triggers (all children, otherwise).
CREATE MACRO trigger_cells_in(date_from, date_to, grain, localities, sexes, age_bands, threshold,
                              window_days, fast) AS TABLE
    SELECT month, triggered_children, triggered_children_key,
           CASE WHEN localities IS NULL OR list_has_all(localities, meeting_localities)
                THEN met_within_14_days ELSE 0 END AS met_within_14_days,
           CASE WHEN localities IS NULL OR list_has_all(localities, meeting_localities)
                THEN met_within_14_days_key ELSE 0 END AS met_within_14_days_key
    FROM trigger_cells c
    WHERE fast AND prepared_triggers(threshold, window_days) AND c.grain = grain
      AND c.month BETWEEN date_from AND date_to
      AND kept_whole(child_localities, localities, complete)
      AND kept_whole(child_sexes, sexes, complete)
      AND kept_whole(child_age_bands, age_bands, complete)
      AND meetings_known(localities, meeting_localities, meetings_complete)
    UNION ALL
    SELECT month, 1, trigger_rkey, CAST(met AS INTEGER), CASE WHEN met THEN trigger_rkey ELSE 0 END
    FROM (
        SELECT CASE WHEN grain IS NULL THEN date_from
                    ELSE period_of(trigger_date, coalesce(grain, 'month')) END AS month,
               child_id, arg_min(trigger_rkey, trigger_date) AS trigger_rkey,
               coalesce(arg_min_null(first_meeting_on, trigger_date) <= min(trigger_date) + 14,
                        false) AS met
        FROM triggers_met_apart(date_from, date_to, localities, sexes, age_bands, threshold,
                                window_days,
                                everyone := NOT (fast
                                                 AND prepared_triggers(threshold, window_days)))
        GROUP BY ALL
    );

-- referral_cells: referrals by month, locality, sex, age band, exploitation type and source,
-- with their record-key sums (counts and key sums add up).
CREATE TABLE referral_cells AS
    SELECT month_of(referral_date) AS month, locality_code, sex, age_band, exploitation_type,
           referral_source, count(*) AS referrals, key_sum(rkey) AS referrals_key
    FROM referrals
    GROUP BY ALL
    ORDER BY month;

-- referral_cells_in: filtered_referrals counted by those columns (month: of the referral), for
-- whole months from referral_cells, otherwise from the referrals.
CREATE MACRO referral_cells_in(date_from, date_to, localities, sexes, age_bands,
                               exploitation_types) AS TABLE
    SELECT * FROM referral_cells
    WHERE whole_months(date_from, date_to) AND month BETWEEN date_from AND date_to
      AND keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands)
      AND keep(exploitation_type, exploitation_types)
    UNION ALL
    SELECT month_of(referral_date), locality_code, sex, age_band, exploitation_type,
           referral_source, 1, rkey
    FROM filtered_referrals(date_from, date_to, localities, sexes, age_bands, exploitation_types)
    WHERE NOT whole_months(date_from, date_to);

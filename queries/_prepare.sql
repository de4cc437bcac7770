-- Work that does not depend on the filters, done once when an extract is opened (after
-- _macros.sql): base aggregates that add up, and the repeat-missing triggers with their windows.
-- Every table here is read by the macros of _macros.sql, which give exactly what the raw tables
-- give for every filter set. One statement at a time (statements end with a semicolon at the end
-- of a line). Parameters: $threshold, $window_days (the database's trigger settings).

-- mixed_children: children whose episodes do not all share one locality, sex and age band, with
-- the values they have. A filter keeps all of any other child's episodes or none of them.
CREATE TABLE mixed_children AS
    SELECT child_id, list(DISTINCT locality_code) AS child_localities,
           list(DISTINCT sex) AS child_sexes, list(DISTINCT age_band) AS child_age_bands,
           -- no value is missing (a restriction never keeps an episode whose value is NULL)
           count(*) = least(count(locality_code), count(sex), count(age_band)) AS complete
    FROM missing_episodes
    GROUP BY child_id
    HAVING count(DISTINCT locality_code) > 1 OR count(DISTINCT sex) > 1
        OR count(DISTINCT age_band) > 1 OR NOT complete;

-- partial_children: the children (of _prepare.sql's mixed_children) a restriction may keep some
-- episodes of but not all; it keeps all or none of every other child's.
CREATE MACRO partial_children(localities, sexes, age_bands) AS TABLE
    SELECT child_id FROM mixed_children
    WHERE NOT (kept_whole(child_localities, localities, complete)
               AND kept_whole(child_sexes, sexes, complete)
               AND kept_whole(child_age_bands, age_bands, complete));

-- episode_windows: each filtered episode (of the mixed children a restriction splits only, when
-- only_partial) with the child's filtered episode starts in the `window_days` calendar days
-- ending that day.
CREATE MACRO episode_windows(localities, sexes, age_bands, window_days, only_partial := false)
    AS TABLE
    SELECT child_id, locality_code, sex, age_band, start_date AS trigger_date, trigger_rkey,
           count(*) OVER (PARTITION BY child_id ORDER BY start_date
                          RANGE BETWEEN to_days(window_days - 1) PRECEDING AND CURRENT ROW)
               AS episodes_in_window
    FROM filtered_episodes(localities, sexes, age_bands)
    WHERE NOT only_partial
       OR child_id IN (SELECT child_id FROM partial_children(localities, sexes, age_bands));

-- trigger_settings: the threshold and window the table below was computed for.
CREATE TABLE trigger_settings AS
    SELECT CAST($threshold AS INTEGER) AS set_threshold,
           CAST($window_days AS INTEGER) AS set_window_days;

-- trigger_windows: every trigger over all of each child's episodes (trigger_episodes with no
-- restriction): the triggers under any restriction for every child it keeps whole.
CREATE TABLE trigger_windows AS
    SELECT * FROM episode_windows(NULL, NULL, NULL, $window_days)
    WHERE episodes_in_window >= $threshold
    ORDER BY trigger_date, child_id;

-- trigger_episodes: episodes at whose start the child has `threshold` or more episode starts in
-- the `window_days` calendar days ending that day (kpis.md, "Trigger"). Episodes outside any
-- reporting period still count towards the window, so the window runs over every date: once,
-- when the extract is opened (_prepare.sql trigger_windows, right for every child a restriction
-- keeps whole), and here only for the children a restriction splits (or for other settings).
CREATE MACRO prepared_triggers(threshold, window_days) AS
    (SELECT set_threshold = threshold AND set_window_days = window_days FROM trigger_settings);
CREATE MACRO trigger_episodes(localities, sexes, age_bands, threshold, window_days) AS TABLE
    SELECT child_id, locality_code, trigger_date, episodes_in_window, trigger_rkey
    FROM trigger_windows
    WHERE prepared_triggers(threshold, window_days)
      AND keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands)
      AND child_id NOT IN (SELECT child_id FROM partial_children(localities, sexes, age_bands))
    UNION ALL
    SELECT child_id, locality_code, trigger_date, episodes_in_window, trigger_rkey
    FROM episode_windows(localities, sexes, age_bands, window_days,
                         only_partial := prepared_triggers(threshold, window_days))
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
CREATE MACRO episode_cells_in(date_from, date_to, localities, sexes, age_bands) AS TABLE
    SELECT month, dimension, category, episodes, episodes_key
    FROM episode_cells
    WHERE whole_months(date_from, date_to) AND month BETWEEN date_from AND date_to
      AND keep(locality_code, localities) AND keep(sex, sexes) AND keep(age_band, age_bands)
    UNION ALL
    SELECT month, dimension, category, 1 AS episodes, rkey AS episodes_key
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

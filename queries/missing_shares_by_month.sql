-- missing_shares_by_month: by month of start, children missing and how many of them are in the
-- out-of-area cohort (placed in the county by another council), and episodes and how many of
-- them were from home (kpis.md, "Shares over time").
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain.
--   $grain is 'month', 'quarter', 'half' or 'year' (each `month` is then its period's first
--   day).
-- Output: month, children, children_out_of_area, episodes, episodes_from_home, and each count's
--   X_key (the sum of its units' record keys; a child counts once a period); every month of
--   the range, zeros included.
WITH e AS (
    SELECT period_of(start_date, $grain) AS month, child_id, child_rkey, placed_by_other_la,
           missing_from, rkey
    FROM filtered_episodes($localities, $sexes, $age_bands)
    WHERE start_date BETWEEN $date_from AND $date_to
),
per_child AS (
    SELECT month, child_id, child_rkey, bool_or(placed_by_other_la) AS out_of_area
    FROM e
    GROUP BY ALL
),
children AS (
    SELECT month, count(*) AS children, count(*) FILTER (out_of_area) AS children_out_of_area,
           key_sum(child_rkey) AS children_key,
           key_sum(child_rkey, out_of_area) AS children_out_of_area_key
    FROM per_child
    GROUP BY ALL
),
episodes AS (
    SELECT month, count(*) AS episodes,
           count(*) FILTER (missing_from = 'home') AS episodes_from_home,
           key_sum(rkey) AS episodes_key,
           key_sum(rkey, missing_from = 'home') AS episodes_from_home_key
    FROM e
    GROUP BY ALL
)
SELECT m.month, coalesce(c.children, 0) AS children,
       coalesce(c.children_out_of_area, 0) AS children_out_of_area,
       coalesce(p.episodes, 0) AS episodes,
       coalesce(p.episodes_from_home, 0) AS episodes_from_home,
       coalesce(c.children_key, 0) AS children_key,
       coalesce(c.children_out_of_area_key, 0) AS children_out_of_area_key,
       coalesce(p.episodes_key, 0) AS episodes_key,
       coalesce(p.episodes_from_home_key, 0) AS episodes_from_home_key
FROM periods($date_from, $date_to, $grain) m
LEFT JOIN children c USING (month)
LEFT JOIN episodes p USING (month)
ORDER BY m.month;

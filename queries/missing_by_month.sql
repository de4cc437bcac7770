-- missing_by_month: missing episodes and distinct children missing, by month of start.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain.
--   $grain is 'month', 'quarter' or 'half' (each `month` is then its period's first day).
-- Output: month, episodes, children, episodes_key, children_key (each count X has X_key, the
--   sum of its units' record keys; a child counts once a period); every month of the range,
--   zeros included.
WITH per_child AS (
    SELECT period_of(start_date, $grain) AS month, child_id, child_rkey,
           count(*) AS episodes, key_sum(rkey) AS episodes_key
    FROM filtered_episodes($localities, $sexes, $age_bands)
    WHERE start_date >= period_of($date_from, $grain)  -- the first period's first day
    GROUP BY ALL
)
SELECT m.month, CAST(coalesce(sum(p.episodes), 0) AS BIGINT) AS episodes,
       count(p.child_id) AS children,
       key_sum(p.episodes_key) AS episodes_key, key_sum(p.child_rkey) AS children_key
FROM periods($date_from, $date_to, $grain) m
LEFT JOIN per_child p USING (month)
GROUP BY ALL
ORDER BY ALL;

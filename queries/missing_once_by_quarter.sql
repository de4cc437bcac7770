-- missing_once_by_quarter: for each quarter (or half-year), children with an episode starting
-- in it and how many of them had exactly one episode starting in that period.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain ('quarter' or
--   'half').
-- Output: month (the period's first day), children, children_missing_once, children_key,
--   children_missing_once_key (each count X has X_key, the sum of its units' record keys: each
--   child's once); every period, zeros included.
WITH per_child AS (
    SELECT period_of(start_date, $grain) AS month, child_id, child_rkey, count(*) AS episodes
    FROM filtered_episodes($localities, $sexes, $age_bands)
    WHERE start_date BETWEEN $date_from AND $date_to
    GROUP BY ALL
)
SELECT m.month, count(p.child_id) AS children,
       count(p.child_id) FILTER (p.episodes = 1) AS children_missing_once,
       key_sum(p.child_rkey) AS children_key,
       key_sum(p.child_rkey, p.episodes = 1) AS children_missing_once_key
FROM periods($date_from, $date_to, $grain) m
LEFT JOIN per_child p USING (month)
GROUP BY ALL
ORDER BY ALL;

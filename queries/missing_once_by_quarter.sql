-- missing_once_by_quarter: for each quarter, children with an episode starting in it and how
-- many of them had exactly one episode starting in that quarter.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands.
-- Output: quarter (first day), children, children_missing_once (every quarter, zeros included).
WITH per_child AS (
    SELECT quarter_of(start_date) AS quarter, child_id, count(*) AS episodes
    FROM filtered_episodes($localities, $sexes, $age_bands)
    WHERE start_date BETWEEN $date_from AND $date_to
    GROUP BY ALL
)
SELECT q.quarter, count(p.child_id) AS children,
       count(p.child_id) FILTER (p.episodes = 1) AS children_missing_once
FROM quarters($date_from, $date_to) q
LEFT JOIN per_child p USING (quarter)
GROUP BY ALL
ORDER BY ALL;

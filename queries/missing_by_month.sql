-- missing_by_month: missing episodes and distinct children missing, by month of start.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain.
--   $grain is 'month', 'quarter' or 'half' (each `month` is then its period's first day).
-- Output: month, episodes, children, episodes_key, children_key (each count X has X_key, the
--   sum of its units' record keys; a child counts once a period); every month of the range,
--   zeros included.
-- The periods are whole: $steps_from, $steps_to are the first day of the first and the last day
-- of the last (hub/database.py DERIVED).
WITH episodes AS (
    SELECT period_of(month, $grain) AS month, total(episodes) AS episodes,
           total(episodes_key) AS episodes_key
    FROM episode_cells_in($steps_from, $steps_to, $localities, $sexes, $age_bands)
    WHERE dimension = 'missing_from'  -- each episode once: home or care (contract.py)
    GROUP BY ALL
)
SELECT m.month, coalesce(e.episodes, 0) AS episodes, coalesce(c.children, 0) AS children,
       coalesce(e.episodes_key, 0) AS episodes_key, coalesce(c.children_key, 0) AS children_key
FROM periods($date_from, $date_to, $grain) m
LEFT JOIN episodes e USING (month)
LEFT JOIN child_cells_in($steps_from, $steps_to, $grain, $localities, $sexes, $age_bands,
                         fast := true) c USING (month)
ORDER BY m.month;

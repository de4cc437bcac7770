-- missing_shares_by_month: by month of start, children missing and how many of them are in the
-- out-of-area cohort (placed in the county by another council), and episodes and how many of
-- them were from home (kpis.md, "Shares over time").
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain.
--   $grain is 'month', 'quarter', 'half' or 'year' (each `month` is then its period's first
--   day).
-- Output: month, children, children_out_of_area, episodes, episodes_from_home, and each count's
--   X_key (the sum of its units' record keys; a child counts once a period); every month of
--   the range, zeros included.
WITH episodes AS (
    SELECT period_of(month, $grain) AS month, total(episodes) AS episodes,
           total(episodes, category = 'home') AS episodes_from_home,
           total(episodes_key) AS episodes_key,
           total(episodes_key, category = 'home') AS episodes_from_home_key
    FROM episode_cells_in($date_from, $date_to, $localities, $sexes, $age_bands)
    WHERE dimension = 'missing_from'  -- each episode once: home or care (contract.py)
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
LEFT JOIN child_cells_in($date_from, $date_to, $grain, $localities, $sexes, $age_bands,
                         fast := $whole_steps) c
    USING (month)
LEFT JOIN episodes p USING (month)
ORDER BY m.month;

-- episodes_by_month: monthly missing episodes split three ways, for trend charts: where from
-- (home, care by the county, care placed by another council) and how reported (legacy, eform).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain.
--   $grain is 'month', 'quarter' or 'half' (each `month` is then its period's first day).
-- Output: month, dimension (missing_from_detail or recording_system), category, episodes,
--   episodes_key (each count X has X_key, the sum of its units' record keys); every month for
--   every category seen, zeros included.
WITH long AS (
    SELECT period_of(month, $grain) AS month, dimension, category, episodes, episodes_key
    FROM episode_cells_in($date_from, $date_to, $localities, $sexes, $age_bands)
    WHERE dimension IN ('missing_from_detail', 'recording_system')
),
categories AS (SELECT DISTINCT dimension, category FROM long)
SELECT m.month, c.dimension, c.category, CAST(coalesce(sum(l.episodes), 0) AS BIGINT) AS episodes,
       CAST(coalesce(sum(l.episodes_key), 0) AS BIGINT) AS episodes_key
FROM periods($date_from, $date_to, $grain) m
CROSS JOIN categories c
LEFT JOIN long l USING (month, dimension, category)
GROUP BY ALL
ORDER BY ALL;

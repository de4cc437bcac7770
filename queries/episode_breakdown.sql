-- episode_breakdown: missing episodes starting in the period by each breakdown the missing page
-- shows (_macros.sql episode_long).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands.
-- Output: dimension, category, episodes, episodes_key (each count X has X_key, the sum of its
--   units' record keys). Categories with no episodes are absent (read as 0).
SELECT dimension, category, CAST(sum(episodes) AS BIGINT) AS episodes,
       CAST(sum(episodes_key) AS BIGINT) AS episodes_key
FROM episode_cells_in($date_from, $date_to, $localities, $sexes, $age_bands)
GROUP BY ALL
ORDER BY ALL;

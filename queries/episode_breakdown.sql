-- episode_breakdown: missing episodes starting in the period by each breakdown the missing page
-- shows. Duration is from start to return; an episode still open at the end of the extract
-- has duration band 'still_missing'.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands.
-- Output: dimension, category, episodes, episodes_key (each count X has X_key, the sum of its
--   units' record keys). Categories with no episodes are absent (read as 0).
WITH e AS (
    SELECT missing_from, coalesce(placement_type, 'not_in_care') AS placement_type,
           episode_type, police_risk, recording_system, sex, age_band,
           CASE WHEN missing_from = 'home' THEN 'home'
                WHEN placed_by_other_la THEN 'care_placed_by_other_council'
                ELSE 'care_of_the_county' END AS missing_from_detail,
           CASE WHEN exploitation_concern THEN 'yes' ELSE 'no' END AS exploitation_concern,
           CASE WHEN end_at IS NULL THEN 'still_missing'
                WHEN end_at - start_at <= INTERVAL 24 HOUR THEN 'up_to_24_hours'
                WHEN end_at - start_at <= INTERVAL 48 HOUR THEN '24_to_48_hours'
                WHEN end_at - start_at <= INTERVAL 7 DAY THEN '2_to_7_days'
                ELSE 'over_7_days' END AS duration_band,
           rkey
    FROM filtered_episodes($localities, $sexes, $age_bands)
    WHERE start_date BETWEEN $date_from AND $date_to
)
SELECT dimension, category, count(*) AS episodes, key_sum(rkey) AS episodes_key
FROM (UNPIVOT e ON COLUMNS(* EXCLUDE (rkey)) INTO NAME dimension VALUE category)
GROUP BY ALL
ORDER BY ALL;

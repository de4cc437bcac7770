-- return_interviews_by_month: episodes ending in each month, with how many were offered a
-- return home interview and how many had one completed within 72 hours of return.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain.
--   $grain is 'month', 'quarter' or 'half' (each `month` is then its period's first day).
-- Output: month (of return), ended_episodes, rhi_offered, rhi_within_72h, ended_episodes_key,
--   rhi_offered_key, rhi_within_72h_key (each count X has X_key, the sum of its units' record
--   keys); zeros included.
SELECT m.month, count(e.episode_id) AS ended_episodes,
       count(e.episode_id) FILTER (e.rhi_offered) AS rhi_offered,
       count(e.episode_id) FILTER (e.rhi_completed_at - e.end_at <= INTERVAL 72 HOUR)
           AS rhi_within_72h,
       key_sum(e.rkey) AS ended_episodes_key,
       key_sum(e.rkey, e.rhi_offered) AS rhi_offered_key,
       key_sum(e.rkey, e.rhi_completed_at - e.end_at <= INTERVAL 72 HOUR) AS rhi_within_72h_key
FROM periods($date_from, $date_to, $grain) m
LEFT JOIN filtered_episodes($localities, $sexes, $age_bands) e
    ON e.end_date BETWEEN $date_from AND $date_to AND period_of(e.end_date, $grain) = m.month
GROUP BY ALL
ORDER BY ALL;

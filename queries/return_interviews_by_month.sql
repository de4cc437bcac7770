-- return_interviews_by_month: episodes ending in each month, with how many were offered a
-- return home interview and how many had one completed within 72 hours of return.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain.
--   $grain is 'month', or 'quarter' (then each `month` is a quarter's first day).
-- Output: month (of return), ended_episodes, rhi_offered, rhi_within_72h (zeros included).
SELECT m.month, count(e.episode_id) AS ended_episodes,
       count(e.episode_id) FILTER (e.rhi_offered) AS rhi_offered,
       count(e.episode_id) FILTER (e.rhi_completed_at - e.end_at <= INTERVAL 72 HOUR)
           AS rhi_within_72h
FROM periods($date_from, $date_to, $grain) m
LEFT JOIN filtered_episodes($localities, $sexes, $age_bands) e
    ON e.end_date BETWEEN $date_from AND $date_to AND period_of(e.end_date, $grain) = m.month
GROUP BY ALL
ORDER BY ALL;

-- missing_by_month: missing episodes and distinct children missing, by month of start.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain.
--   $grain is 'month', or 'quarter' (then each `month` is a quarter's first day).
-- Output: month, episodes, children (every month of the range, zeros included).
SELECT m.month, count(e.episode_id) AS episodes, count(DISTINCT e.child_id) AS children
FROM periods($date_from, $date_to, $grain) m
LEFT JOIN filtered_episodes($localities, $sexes, $age_bands) e
    ON period_of(e.start_date, $grain) = m.month
GROUP BY ALL
ORDER BY ALL;

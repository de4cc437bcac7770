-- missing_by_month: missing episodes and distinct children missing, by month of start.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands.
-- Output: month, episodes, children (every month of the range, zeros included).
SELECT m.month, count(e.episode_id) AS episodes, count(DISTINCT e.child_id) AS children
FROM months($date_from, $date_to) m
LEFT JOIN filtered_episodes($localities, $sexes, $age_bands) e
    ON month_of(e.start_date) = m.month
GROUP BY ALL
ORDER BY ALL;

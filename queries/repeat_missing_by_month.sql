-- repeat_missing_by_month: children with a repeat-missing trigger in each month, and how many
-- had a strategy meeting within 14 days of their first trigger that month (kpis.md).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $threshold, $window_days, $grain.
--   $grain is 'month', or 'quarter' (then each `month` is a quarter's first day).
-- Output: month, triggered_children, met_within_14_days (every month, zeros included).
WITH firsts AS (
    SELECT child_id, period_of(trigger_date, $grain) AS month, min(trigger_date) AS trigger_date
    FROM trigger_episodes($localities, $sexes, $age_bands, $threshold, $window_days)
    WHERE trigger_date BETWEEN $date_from AND $date_to
    GROUP BY ALL
),
met AS (
    SELECT f.month, f.child_id,
           bool_or(m.held_on BETWEEN f.trigger_date AND f.trigger_date + 14) AS met
    FROM firsts f
    LEFT JOIN strategy_meetings m
        ON m.child_id = f.child_id AND keep(m.locality_code, $localities)
    GROUP BY ALL
)
SELECT months.month, count(met.child_id) AS triggered_children,
       count(met.child_id) FILTER (met.met) AS met_within_14_days
FROM periods($date_from, $date_to, $grain) months
LEFT JOIN met USING (month)
GROUP BY ALL
ORDER BY ALL;

-- repeat_missing_by_month: children with a repeat-missing trigger in each month, and how many
-- had a strategy meeting within 14 days of their first trigger that month (kpis.md).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $threshold, $window_days, $grain.
--   $grain is 'month', 'quarter' or 'half' (each `month` is then its period's first day).
-- Output: month, triggered_children, met_within_14_days, triggered_children_key,
--   met_within_14_days_key (each count X has X_key, the sum of its units' record keys: a
--   child's first trigger in the period, keyed by child and trigger date); every month, zeros
--   included.
WITH firsts AS (
    SELECT child_id, period_of(trigger_date, $grain) AS month, min(trigger_date) AS trigger_date,
           arg_min(trigger_rkey, trigger_date) AS trigger_rkey,
           arg_min_null(first_meeting_on, trigger_date) AS first_meeting_on
    FROM trigger_meetings($localities, $sexes, $age_bands, $threshold, $window_days)
    WHERE trigger_date BETWEEN $date_from AND $date_to
    GROUP BY ALL
),
met AS (  -- a meeting within 14 days of the first trigger: the first on or after it is
    SELECT month, child_id, trigger_rkey,
           coalesce(first_meeting_on <= trigger_date + 14, false) AS met
    FROM firsts
)
SELECT months.month, count(met.child_id) AS triggered_children,
       count(met.child_id) FILTER (met.met) AS met_within_14_days,
       key_sum(met.trigger_rkey) AS triggered_children_key,
       key_sum(met.trigger_rkey, met.met) AS met_within_14_days_key
FROM periods($date_from, $date_to, $grain) months
LEFT JOIN met USING (month)
GROUP BY ALL
ORDER BY ALL;

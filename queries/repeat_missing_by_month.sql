-- repeat_missing_by_month: children with a repeat-missing trigger in each month, and how many
-- had a strategy meeting within 14 days of their first trigger that month (kpis.md).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $threshold, $window_days, $grain.
--   $grain is 'month', 'quarter' or 'half' (each `month` is then its period's first day).
-- Output: month, triggered_children, met_within_14_days, triggered_children_key,
--   met_within_14_days_key (each count X has X_key, the sum of its units' record keys: a
--   child's first trigger in the period, keyed by child and trigger date); every month, zeros
--   included.
SELECT m.month, total(t.triggered_children) AS triggered_children,
       total(t.met_within_14_days) AS met_within_14_days,
       total(t.triggered_children_key) AS triggered_children_key,
       total(t.met_within_14_days_key) AS met_within_14_days_key
FROM periods($date_from, $date_to, $grain) m
LEFT JOIN trigger_cells_in($date_from, $date_to, $grain, $localities, $sexes, $age_bands,
                           $threshold, $window_days, fast := $whole_steps) t USING (month)
GROUP BY ALL
ORDER BY ALL;

-- pursue_totals: each pursue measure in the period, and since the extract began up to the end
-- of the period (e.g. compensation awards to date). County-wide: locality, sex and age band do
-- not apply.
-- Parameters: $date_from (start of the extract), $date_to (end of the period),
--   $period_from (start of the period), $exploitation_types.
-- Output: measure, in_period, to_date, in_period_key, to_date_key (each count X has X_key, the
--   sum of its units' record keys: here of the pursue_outcomes rows with a count above 0).
SELECT measure,
       CAST(coalesce(sum("count") FILTER (quarter_start >= $period_from), 0) AS BIGINT)
           AS in_period,
       CAST(sum("count") AS BIGINT) AS to_date,
       key_sum(rkey, quarter_start >= $period_from AND "count" > 0) AS in_period_key,
       key_sum(rkey, "count" > 0) AS to_date_key
FROM pursue_outcomes
WHERE quarter_start BETWEEN $date_from AND $date_to
  AND keep(exploitation_type, $exploitation_types)
GROUP BY measure
ORDER BY measure;

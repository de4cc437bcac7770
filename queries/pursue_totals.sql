-- pursue_totals: each pursue measure in the period, and since the extract began up to the end
-- of the period (e.g. compensation awards to date). County-wide: locality, sex and age band do
-- not apply.
-- Parameters: $date_from (start of the extract), $date_to (end of the period),
--   $period_from (start of the period), $exploitation_types.
-- Output: measure, in_period, to_date.
SELECT measure,
       CAST(coalesce(sum("count") FILTER (quarter_start >= $period_from), 0) AS BIGINT)
           AS in_period,
       CAST(sum("count") AS BIGINT) AS to_date
FROM pursue_outcomes
WHERE quarter_start BETWEEN $date_from AND $date_to
  AND keep(exploitation_type, $exploitation_types)
GROUP BY measure
ORDER BY measure;

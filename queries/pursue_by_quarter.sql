-- pursue_by_quarter: action against perpetrators by quarter (or half-year) and measure
-- (county-wide: the locality, sex and age band filters do not apply).
-- Parameters: $date_from, $date_to, $exploitation_types, $grain ('quarter' or 'half').
-- Output: month (the period's first day), measure, number, number_key (each count X has X_key,
--   the sum of its units' record keys: here of the pursue_outcomes rows with a count above 0);
--   every period for every measure seen, zeros included.
WITH p AS (
    SELECT period_of(quarter_start, $grain) AS month, measure, "count", rkey
    FROM pursue_outcomes
    WHERE quarter_start BETWEEN $date_from AND $date_to
      AND keep(exploitation_type, $exploitation_types)
)
SELECT q.month, m.measure, CAST(coalesce(sum(p."count"), 0) AS BIGINT) AS number,
       key_sum(p.rkey, p."count" > 0) AS number_key
FROM periods($date_from, $date_to, $grain) q
CROSS JOIN (SELECT DISTINCT measure FROM p) m
LEFT JOIN p USING (month, measure)
GROUP BY ALL
ORDER BY ALL;

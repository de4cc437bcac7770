-- pursue_by_quarter: action against perpetrators by quarter and measure (county-wide: the
-- locality, sex and age band filters do not apply).
-- Parameters: $date_from, $date_to, $exploitation_types.
-- Output: quarter, measure, number (every quarter for every measure seen, zeros included).
WITH p AS (
    SELECT quarter_start AS quarter, measure, "count"
    FROM pursue_outcomes
    WHERE quarter_start BETWEEN $date_from AND $date_to
      AND keep(exploitation_type, $exploitation_types)
)
SELECT q.quarter, m.measure, CAST(coalesce(sum(p."count"), 0) AS BIGINT) AS number
FROM quarters($date_from, $date_to) q
CROSS JOIN (SELECT DISTINCT measure FROM p) m
LEFT JOIN p USING (quarter, measure)
GROUP BY ALL
ORDER BY ALL;

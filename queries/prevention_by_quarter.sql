-- prevention_by_quarter: sessions and participants by quarter and programme, for trend charts.
-- Parameters: $date_from, $date_to, $localities, $age_bands.
-- Output: quarter, programme, sessions, participants (every quarter for every programme seen).
WITH s AS (
    SELECT quarter_of(delivered_on) AS quarter, programme, participants
    FROM prevention_sessions
    WHERE delivered_on BETWEEN $date_from AND $date_to
      AND keep(locality_code, $localities) AND keep(age_band, $age_bands)
)
SELECT q.quarter, p.programme, count(s.quarter) AS sessions,
       CAST(coalesce(sum(s.participants), 0) AS BIGINT) AS participants
FROM quarters($date_from, $date_to) q
CROSS JOIN (SELECT DISTINCT programme FROM s) p
LEFT JOIN s USING (quarter, programme)
GROUP BY ALL
ORDER BY ALL;

-- prevention_by_quarter: sessions and participants by quarter (or half-year) and programme, for
-- trend charts.
-- Parameters: $date_from, $date_to, $localities, $age_bands, $grain ('quarter' or 'half').
-- Output: month (the period's first day), programme, sessions, participants (no key: not a
--   count), sessions_key (each count X has X_key, the sum of its units' record keys); every
--   period for every programme seen.
WITH s AS (
    SELECT period_of(delivered_on, $grain) AS month, programme, participants, rkey
    FROM prevention_sessions
    WHERE delivered_on BETWEEN $date_from AND $date_to
      AND keep(locality_code, $localities) AND keep(age_band, $age_bands)
)
SELECT m.month, p.programme, count(s.month) AS sessions,
       CAST(coalesce(sum(s.participants), 0) AS BIGINT) AS participants,
       key_sum(s.rkey) AS sessions_key
FROM periods($date_from, $date_to, $grain) m
CROSS JOIN (SELECT DISTINCT programme FROM s) p
LEFT JOIN s USING (month, programme)
GROUP BY ALL
ORDER BY ALL;

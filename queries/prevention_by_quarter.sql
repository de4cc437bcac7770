-- prevention_by_quarter: sessions and participants by quarter (or a longer step) and programme
-- or setting, for trend charts (the programmes; the reach into Gypsy and traveller communities).
-- Parameters: $date_from, $date_to, $localities, $age_bands, $grain ('quarter', 'half' or
--   'year'), $breakdown ('programme' or 'setting').
-- Output: month (the period's first day), category (the programme or setting), sessions,
--   participants (no key: not a count), sessions_key (each count X has X_key, the sum of its
--   units' record keys); every period for every category seen.
WITH s AS (
    SELECT period_of(delivered_on, $grain) AS month,
           CASE $breakdown WHEN 'programme' THEN programme WHEN 'setting' THEN setting
                ELSE error('unknown breakdown: ' || $breakdown) END AS category,
           participants, rkey
    FROM prevention_sessions
    WHERE delivered_on BETWEEN $date_from AND $date_to
      AND keep(locality_code, $localities) AND keep(age_band, $age_bands)
)
SELECT m.month, c.category, count(s.month) AS sessions,
       CAST(coalesce(sum(s.participants), 0) AS BIGINT) AS participants,
       key_sum(s.rkey) AS sessions_key
FROM periods($date_from, $date_to, $grain) m
CROSS JOIN (SELECT DISTINCT category FROM s) c
LEFT JOIN s USING (month, category)
GROUP BY ALL
ORDER BY ALL;

-- prevention_breakdown: prevention sessions delivered in the period and their participants, by
-- programme, setting, district, funder and age band.
-- Parameters: $date_from, $date_to, $localities, $age_bands.
-- Output: dimension, category, sessions, participants (a sum of attendances, not of people: no
--   key), sessions_key (each count X has X_key, the sum of its units' record keys).
WITH s AS (
    SELECT programme, setting, locality_code, funder, age_band, participants, rkey
    FROM prevention_sessions
    WHERE delivered_on BETWEEN $date_from AND $date_to
      AND keep(locality_code, $localities) AND keep(age_band, $age_bands)
)
SELECT dimension, category, count(*) AS sessions, CAST(sum(participants) AS BIGINT) AS participants,
       key_sum(rkey) AS sessions_key
FROM (UNPIVOT s ON COLUMNS(* EXCLUDE (participants, rkey)) INTO NAME dimension VALUE category)
GROUP BY ALL
ORDER BY ALL;

-- prevention_breakdown: prevention sessions delivered in the period and their participants, by
-- programme, setting, district, funder and age band.
-- Parameters: $date_from, $date_to, $localities, $age_bands.
-- Output: dimension, category, sessions, participants (a sum of attendances, not of people).
WITH s AS (
    SELECT programme, setting, locality_code, funder, age_band, participants
    FROM prevention_sessions
    WHERE delivered_on BETWEEN $date_from AND $date_to
      AND keep(locality_code, $localities) AND keep(age_band, $age_bands)
)
SELECT dimension, category, count(*) AS sessions, CAST(sum(participants) AS BIGINT) AS participants
FROM (UNPIVOT s ON COLUMNS(* EXCLUDE (participants)) INTO NAME dimension VALUE category)
GROUP BY ALL
ORDER BY ALL;

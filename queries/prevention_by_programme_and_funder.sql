-- prevention_by_programme_and_funder: sessions delivered in the period and their participants,
-- by programme and funder (who paid for the Warning Zone's visits, apart from other programmes).
-- Parameters: $date_from, $date_to, $localities, $age_bands.
-- Output: programme, funder, sessions, participants (a sum of attendances, not of people: no
--   key), sessions_key (each count X has X_key, the sum of its units' record keys); absent
--   combinations are 0.
SELECT programme, funder, count(*) AS sessions, CAST(sum(participants) AS BIGINT) AS participants,
       key_sum(rkey) AS sessions_key
FROM prevention_sessions
WHERE delivered_on BETWEEN $date_from AND $date_to
  AND keep(locality_code, $localities) AND keep(age_band, $age_bands)
GROUP BY ALL
ORDER BY ALL;

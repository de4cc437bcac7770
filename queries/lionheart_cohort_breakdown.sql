-- lionheart_cohort_breakdown: people in the Operation Lionheart cohort identified by the end of
-- the period, by person type, relationship, sex, age band and household size.
-- Parameters: $date_to, $localities, $sexes.
-- Output: dimension, category, people, people_key (each count X has X_key, the sum of its
--   units' record keys: here the people's). Household size counts the cohort members sharing a
--   household_id ('1', '2', '3', '4+'). Absent categories are 0.
WITH cohort AS (
    SELECT * FROM lionheart_cohort
    WHERE identified_on <= $date_to AND keep(locality_code, $localities) AND keep(sex, $sexes)
),
c AS (
    SELECT person_type, relationship, sex, age_band,
           CASE WHEN count(*) OVER (PARTITION BY household_id) >= 4 THEN '4+'
                ELSE CAST(count(*) OVER (PARTITION BY household_id) AS VARCHAR)
           END AS household_size,
           rkey
    FROM cohort
)
SELECT dimension, category, count(*) AS people, key_sum(rkey) AS people_key
FROM (UNPIVOT c ON COLUMNS(* EXCLUDE (rkey)) INTO NAME dimension VALUE category)
GROUP BY ALL
ORDER BY ALL;

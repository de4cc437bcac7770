-- lionheart_households: households and people in the Operation Lionheart cohort identified by
-- the end of the period, by person type.
-- Parameters: $date_to, $localities, $sexes.
-- Output: person_type, people, households (households with at least one such person),
--   people_key, households_key (each count X has X_key, the sum of its units' record keys: the
--   people's, and each such household's household_rkey once).
WITH cohort AS (
    SELECT person_type, household_id, household_rkey, rkey
    FROM lionheart_cohort
    WHERE identified_on <= $date_to AND keep(locality_code, $localities) AND keep(sex, $sexes)
),
people AS (
    SELECT person_type, count(*) AS people, key_sum(rkey) AS people_key
    FROM cohort
    GROUP BY ALL
),
households AS (
    SELECT person_type, count(*) AS households, key_sum(household_rkey) AS households_key
    FROM (SELECT DISTINCT person_type, household_id, household_rkey FROM cohort)
    GROUP BY ALL
)
SELECT person_type, people, households, people_key, households_key
FROM people JOIN households USING (person_type)
ORDER BY person_type;

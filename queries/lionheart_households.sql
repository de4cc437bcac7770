-- lionheart_households: households and people in the Operation Lionheart cohort identified by
-- the end of the period, by person type.
-- Parameters: $date_to, $localities, $sexes.
-- Output: person_type, people, households (households with at least one such person).
SELECT person_type, count(*) AS people, count(DISTINCT household_id) AS households
FROM lionheart_cohort
WHERE identified_on <= $date_to AND keep(locality_code, $localities) AND keep(sex, $sexes)
GROUP BY ALL
ORDER BY ALL;

-- episodes_by_month: monthly missing episodes split three ways, for trend charts: where from
-- (home, care by the county, care placed by another council) and how reported (legacy, eform).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain.
--   $grain is 'month', 'quarter' or 'half' (each `month` is then its period's first day).
-- Output: month, dimension (missing_from_detail or recording_system), category, episodes,
--   episodes_key (each count X has X_key, the sum of its units' record keys); every month for
--   every category seen, zeros included.
WITH long AS (
    UNPIVOT (
        SELECT period_of(start_date, $grain) AS month, recording_system,
               CASE WHEN missing_from = 'home' THEN 'home'
                    WHEN placed_by_other_la THEN 'care_placed_by_other_council'
                    ELSE 'care_of_the_county' END AS missing_from_detail,
               rkey
        FROM filtered_episodes($localities, $sexes, $age_bands)
        WHERE start_date BETWEEN $date_from AND $date_to
    ) ON missing_from_detail, recording_system INTO NAME dimension VALUE category
),
categories AS (SELECT DISTINCT dimension, category FROM long)
SELECT m.month, c.dimension, c.category, count(l.month) AS episodes,
       key_sum(l.rkey) AS episodes_key
FROM periods($date_from, $date_to, $grain) m
CROSS JOIN categories c
LEFT JOIN long l USING (month, dimension, category)
GROUP BY ALL
ORDER BY ALL;

-- locality_comparison: referrals, missing episodes and children missing in the period for every
-- district, with its population aged 0-17 (for rates per 10,000 children).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $exploitation_types
--   (exploitation type restricts referrals only: episodes do not carry it).
-- Output: locality_code, population_0_17, referrals, episodes, children_missing; one row per
--   district in reference data (restricted by $localities), zeros included.
WITH r AS (
    SELECT locality_code, count(*) AS referrals
    FROM filtered_referrals($date_from, $date_to, $localities, $sexes, $age_bands,
                            $exploitation_types)
    GROUP BY ALL
),
e AS (
    SELECT locality_code, count(*) AS episodes, count(DISTINCT child_id) AS children_missing
    FROM filtered_episodes($localities, $sexes, $age_bands)
    WHERE start_date BETWEEN $date_from AND $date_to
    GROUP BY ALL
)
SELECT l.code AS locality_code, l.population_0_17,
       coalesce(r.referrals, 0) AS referrals,
       coalesce(e.episodes, 0) AS episodes,
       coalesce(e.children_missing, 0) AS children_missing
FROM localities l
LEFT JOIN r ON r.locality_code = l.code
LEFT JOIN e ON e.locality_code = l.code
WHERE keep(l.code, $localities)
ORDER BY l.code;

-- locality_comparison: referrals, missing episodes and children missing in the period for every
-- district, with its population aged 0-17 (for rates per 10,000 children).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $exploitation_types
--   (exploitation type restricts referrals only: episodes do not carry it).
-- Output: locality_code, population_0_17, referrals, episodes, children_missing,
--   referrals_key, episodes_key, children_missing_key (each count X has X_key, the sum of its
--   units' record keys; a child missing in a district counts once there); one row per district
--   in reference data (restricted by $localities), zeros included.
WITH r AS (
    SELECT locality_code, total(referrals) AS referrals, total(referrals_key) AS referrals_key
    FROM referral_cells_in($date_from, $date_to, $localities, $sexes, $age_bands,
                           $exploitation_types)
    GROUP BY ALL
),
episodes AS (
    SELECT locality_code, total(episodes) AS episodes, total(episodes_key) AS episodes_key
    FROM episode_cells_in($date_from, $date_to, $localities, $sexes, $age_bands,
                          by_locality := true)
    WHERE dimension = 'missing_from'  -- each episode once: home or care (contract.py)
    GROUP BY ALL
)
SELECT l.code AS locality_code, l.population_0_17,
       coalesce(r.referrals, 0) AS referrals,
       coalesce(e.episodes, 0) AS episodes,
       coalesce(c.children, 0) AS children_missing,
       coalesce(r.referrals_key, 0) AS referrals_key,
       coalesce(e.episodes_key, 0) AS episodes_key,
       coalesce(c.children_key, 0) AS children_missing_key
FROM localities l
LEFT JOIN r ON r.locality_code = l.code
LEFT JOIN episodes e ON e.locality_code = l.code
LEFT JOIN child_cells_in($date_from, $date_to, $period_grain, $localities, $sexes, $age_bands,
                         fast := $period_grain IS NOT NULL, by_locality := true) c
    ON c.locality_code = l.code
WHERE keep(l.code, $localities)
ORDER BY l.code;

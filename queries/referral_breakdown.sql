-- referral_breakdown: referrals in the period by each breakdown the referral page shows.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $exploitation_types.
-- Output: dimension (a referrals column, or care_status), category (its code), referrals,
--   referrals_key (each count X has X_key, the sum of its units' record keys).
--   Categories with no referrals are absent (read as 0).
WITH r AS (
    SELECT exploitation_type, sex, referral_source, age_band, ethnicity_group, risk_level,
           outcome,
           CASE WHEN NOT looked_after THEN 'not_looked_after'
                WHEN placed_by_other_la THEN 'placed_by_other_council'
                ELSE 'looked_after_by_county' END AS care_status,
           CASE WHEN nrm_referral THEN 'yes' ELSE 'no' END AS nrm_referral,
           rkey
    FROM filtered_referrals($date_from, $date_to, $localities, $sexes, $age_bands,
                            $exploitation_types)
)
SELECT dimension, category, count(*) AS referrals, key_sum(rkey) AS referrals_key
FROM (UNPIVOT r ON COLUMNS(* EXCLUDE (rkey)) INTO NAME dimension VALUE category)
GROUP BY ALL
ORDER BY ALL;

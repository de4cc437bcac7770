-- referrals_by_source_and_type: referrals in the period by referral source and exploitation type
-- (shows that criminal exploitation referrals come mostly from youth justice).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $exploitation_types.
-- Output: referral_source, exploitation_type, referrals, referrals_key (each count X has X_key,
--   the sum of its units' record keys); absent combinations are 0.
SELECT referral_source, exploitation_type, total(referrals) AS referrals,
       total(referrals_key) AS referrals_key
FROM referral_cells_in($date_from, $date_to, $localities, $sexes, $age_bands,
                       $exploitation_types)
GROUP BY ALL
ORDER BY ALL;

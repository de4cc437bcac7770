-- male_share_by_quarter: referrals and male referrals by quarter (or half-year), to show the
-- rise in boys referred after "Breck's Last Game" (a quarter evens out small monthly numbers).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $exploitation_types,
--   $grain ('quarter' or 'half').
-- Output: month (the period's first day), referrals, male_referrals, referrals_key,
--   male_referrals_key (each count X has X_key, the sum of its units' record keys); every
--   period, zeros included.
WITH r AS (
    SELECT period_of(month, $grain) AS month, sex, referrals, referrals_key
    FROM referral_cells_in($date_from, $date_to, $localities, $sexes, $age_bands,
                           $exploitation_types)
)
SELECT p.month, total(r.referrals) AS referrals,
       total(r.referrals, r.sex = 'male') AS male_referrals,
       total(r.referrals_key) AS referrals_key,
       total(r.referrals_key, r.sex = 'male') AS male_referrals_key
FROM periods($date_from, $date_to, $grain) p
LEFT JOIN r USING (month)
GROUP BY ALL
ORDER BY ALL;

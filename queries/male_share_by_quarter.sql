-- male_share_by_quarter: referrals and male referrals by quarter (or half-year), to show the
-- rise in boys referred after "Breck's Last Game" (a quarter evens out small monthly numbers).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $exploitation_types,
--   $grain ('quarter' or 'half').
-- Output: month (the period's first day), referrals, male_referrals, referrals_key,
--   male_referrals_key (each count X has X_key, the sum of its units' record keys); every
--   period, zeros included.
WITH r AS (
    SELECT period_of(referral_date, $grain) AS month, sex, rkey
    FROM filtered_referrals($date_from, $date_to, $localities, $sexes, $age_bands,
                            $exploitation_types)
)
SELECT p.month, count(r.month) AS referrals,
       count(r.month) FILTER (r.sex = 'male') AS male_referrals,
       key_sum(r.rkey) AS referrals_key, key_sum(r.rkey, r.sex = 'male') AS male_referrals_key
FROM periods($date_from, $date_to, $grain) p
LEFT JOIN r USING (month)
GROUP BY ALL
ORDER BY ALL;

-- male_share_by_quarter: referrals and male referrals by quarter, to show the rise in boys
-- referred after "Breck's Last Game" (a quarter evens out small monthly numbers).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $exploitation_types.
-- Output: quarter (first day), referrals, male_referrals (every quarter, zeros included).
WITH r AS (
    SELECT quarter_of(referral_date) AS quarter, sex
    FROM filtered_referrals($date_from, $date_to, $localities, $sexes, $age_bands,
                            $exploitation_types)
)
SELECT q.quarter, count(r.quarter) AS referrals,
       count(r.quarter) FILTER (r.sex = 'male') AS male_referrals
FROM quarters($date_from, $date_to) q
LEFT JOIN r USING (quarter)
GROUP BY ALL
ORDER BY ALL;

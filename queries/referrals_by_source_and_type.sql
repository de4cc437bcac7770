-- referrals_by_source_and_type: referrals in the period by referral source and exploitation type
-- (shows that criminal exploitation referrals come mostly from youth justice).
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $exploitation_types.
-- Output: referral_source, exploitation_type, referrals (absent combinations are 0).
SELECT referral_source, exploitation_type, count(*) AS referrals
FROM filtered_referrals($date_from, $date_to, $localities, $sexes, $age_bands,
                        $exploitation_types)
GROUP BY ALL
ORDER BY ALL;

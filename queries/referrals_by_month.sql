-- referrals_by_month: monthly referrals by exploitation type and by sex, for trend charts.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $exploitation_types, $grain.
--   $grain is 'month', 'quarter' or 'half' (each `month` is then its period's first day).
-- Output: month (first day), dimension (exploitation_type or sex), category, referrals,
--   step_referrals (every category's referrals in the month: the denominator of a category's
--   share of them), referrals_key, step_referrals_key (each count X has X_key, the sum of its
--   units' record keys); every month of the range for every category seen in it, zeros
--   included.
WITH long AS (
    UNPIVOT (
        SELECT period_of(month, $grain) AS month, exploitation_type, sex, referrals,
               referrals_key
        FROM referral_cells_in($date_from, $date_to, $localities, $sexes, $age_bands,
                               $exploitation_types)
    ) ON exploitation_type, sex INTO NAME dimension VALUE category
),
categories AS (SELECT DISTINCT dimension, category FROM long),
cells AS (
    SELECT m.month, c.dimension, c.category, total(l.referrals) AS referrals,
           total(l.referrals_key) AS referrals_key
    FROM periods($date_from, $date_to, $grain) m
    CROSS JOIN categories c
    LEFT JOIN long l USING (month, dimension, category)
    GROUP BY ALL
)
-- each referral is in one category of each dimension: the sums are the month's referrals
SELECT month, dimension, category, referrals, referrals_key,
       CAST(sum(referrals) OVER step AS BIGINT) AS step_referrals,
       CAST(sum(referrals_key) OVER step AS BIGINT) AS step_referrals_key
FROM cells
WINDOW step AS (PARTITION BY month, dimension)
ORDER BY month, dimension, category;

-- cce_referrals_by_month: CCE referrals (exploitation type cce or cse_and_cce, kpis.md) by month
-- and sex, for the committee's "most CCE referrals were boys" over time.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $exploitation_types, $grain.
--   $grain is 'month', 'quarter', 'half' or 'year' (each `month` is then its period's first
--   day).
-- Output: month, sex, cce_referrals, step_cce_referrals (every sex's CCE referrals in the month:
--   the denominator of a sex's share of them), cce_referrals_key, step_cce_referrals_key (each
--   count X has X_key, the sum of its units' record keys); every month of the range for every
--   sex seen among its referrals (of any type), zeros included.
WITH referred AS (
    SELECT period_of(month, $grain) AS month, sex,
           exploitation_type IN ('cce', 'cse_and_cce') AS cce, referrals, referrals_key
    FROM referral_cells_in($date_from, $date_to, $localities, $sexes, $age_bands,
                           $exploitation_types)
),
cells AS (
    SELECT m.month, s.sex, total(r.referrals, r.cce) AS cce_referrals,
           total(r.referrals_key, r.cce) AS cce_referrals_key
    FROM periods($date_from, $date_to, $grain) m
    CROSS JOIN (SELECT DISTINCT sex FROM referred) s
    LEFT JOIN referred r USING (month, sex)
    GROUP BY ALL
)
SELECT month, sex, cce_referrals, cce_referrals_key,
       CAST(sum(cce_referrals) OVER step AS BIGINT) AS step_cce_referrals,
       CAST(sum(cce_referrals_key) OVER step AS BIGINT) AS step_cce_referrals_key
FROM cells
WINDOW step AS (PARTITION BY month)
ORDER BY month, sex;

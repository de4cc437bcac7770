-- return_interviews_by_month: episodes ending in each month, with how many were offered a
-- return home interview and how many had one completed within 72 hours of return.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain.
--   $grain is 'month', 'quarter' or 'half' (each `month` is then its period's first day).
-- Output: month (of return), ended_episodes, rhi_offered, rhi_within_72h, ended_episodes_key,
--   rhi_offered_key, rhi_within_72h_key (each count X has X_key, the sum of its units' record
--   keys); zeros included.
SELECT m.month, CAST(coalesce(sum(r.ended_episodes), 0) AS BIGINT) AS ended_episodes,
       CAST(coalesce(sum(r.rhi_offered), 0) AS BIGINT) AS rhi_offered,
       CAST(coalesce(sum(r.rhi_within_72h), 0) AS BIGINT) AS rhi_within_72h,
       CAST(coalesce(sum(r.ended_episodes_key), 0) AS BIGINT) AS ended_episodes_key,
       CAST(coalesce(sum(r.rhi_offered_key), 0) AS BIGINT) AS rhi_offered_key,
       CAST(coalesce(sum(r.rhi_within_72h_key), 0) AS BIGINT) AS rhi_within_72h_key
FROM periods($date_from, $date_to, $grain) m
LEFT JOIN (SELECT * REPLACE (period_of(month, $grain) AS month)
           FROM return_cells_in($date_from, $date_to, $localities, $sexes, $age_bands)) r
    USING (month)
GROUP BY ALL
ORDER BY ALL;

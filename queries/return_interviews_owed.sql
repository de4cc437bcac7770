-- return_interviews_owed: missing episodes whose return home interview is still owed, as of
-- $as_of (the extract's coverage end), and those whose interview was offered and declined.
-- For the hub lead only. An episode counts when it was recorded as missing (not "away"), the
-- child returned within the $lookback_days before the end of $as_of and more than 72 hours
-- before it (an interview is due within 72 hours), and no interview was completed.
-- Parameters: $localities, $sexes, $age_bands, $as_of, $lookback_days.
-- Output: child_id, episode_id, locality_code, returned_on (London date), days_since_return
--   (to $as_of), offered, declined (offered and not accepted; otherwise still owed); oldest
--   return first. A list of episodes, not a table of counts: no record keys (it is never shown
--   to a protected audience).
SELECT child_id, episode_id, locality_code, end_date AS returned_on,
       $as_of - end_date AS days_since_return, rhi_offered AS offered,
       coalesce(rhi_offered AND rhi_accepted IS FALSE, false) AS declined
FROM filtered_episodes($localities, $sexes, $age_bands)
WHERE episode_type = 'missing'
  AND rhi_completed_at IS NULL
  AND end_at IS NOT NULL
  AND end_date > $as_of - $lookback_days
  AND end_at < CAST($as_of + 1 AS TIMESTAMP) - INTERVAL 72 HOUR
ORDER BY end_at, episode_id;

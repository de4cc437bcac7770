-- children_awaiting_meeting: pseudonymised children whose first repeat-missing trigger in the
-- period has no strategy meeting on or after it yet. For the hub lead only.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $threshold, $window_days.
-- Output: child_id, locality_code, trigger_date, episodes_in_window, days_since_trigger (to the
--   period's last day); oldest trigger first. A list of children, not a table of counts: no
--   record keys (it is never shown to a protected audience).
SELECT child_id, locality_code, trigger_date, episodes_in_window,
       $date_to - trigger_date AS days_since_trigger
FROM first_triggers($date_from, $date_to, $localities, $sexes, $age_bands, $threshold,
                    $window_days)
WHERE first_meeting_on IS NULL
ORDER BY trigger_date, child_id;

-- children_awaiting_meeting: pseudonymised children with a repeat-missing trigger that no
-- strategy meeting has answered yet, as of $as_of (the extract's coverage end). For the hub lead
-- only. A meeting about the child answers every trigger on or before its date and starts the
-- count again: a trigger after it counts only the child's episodes that start after it.
-- Triggers before $meetings_from (when meetings for repeat missing began) are not listed.
-- Parameters: $localities, $sexes, $age_bands, $threshold, $window_days, $meetings_from, $as_of.
-- Output: child_id, locality_code (where the trigger episode was), trigger_date (the earliest
--   unanswered trigger), episodes_in_window (that day), days_waited (to $as_of); one row a
--   child, longest wait first. A list of children, not a table of counts: no record keys (it is
--   never shown to a protected audience).
WITH last_meeting AS (
    SELECT child_id, max(held_on) AS held_on
    FROM strategy_meetings
    WHERE held_on <= $as_of
    GROUP BY child_id
),
since_meeting AS (
    SELECT e.child_id, e.locality_code, e.start_date
    FROM filtered_episodes($localities, $sexes, $age_bands) e
    LEFT JOIN last_meeting m USING (child_id)
    WHERE e.start_date <= $as_of AND (m.held_on IS NULL OR e.start_date > m.held_on)
),
windows AS (
    SELECT child_id, locality_code, start_date,
           count(*) OVER (PARTITION BY child_id ORDER BY start_date
                          RANGE BETWEEN to_days($window_days - 1) PRECEDING AND CURRENT ROW)
               AS episodes_in_window
    FROM since_meeting
)
SELECT child_id, arg_min(locality_code, start_date) AS locality_code,
       min(start_date) AS trigger_date,
       arg_min(episodes_in_window, start_date) AS episodes_in_window,
       $as_of - min(start_date) AS days_waited
FROM windows
WHERE episodes_in_window >= $threshold AND start_date >= $meetings_from
GROUP BY child_id
ORDER BY trigger_date, child_id;

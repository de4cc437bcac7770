-- missing_once_by_quarter: for each quarter (or half-year), children with an episode starting
-- in it and how many of them had exactly one episode starting in that period.
-- Parameters: $date_from, $date_to, $localities, $sexes, $age_bands, $grain ('quarter' or
--   'half').
-- Output: month (the period's first day), children, children_missing_once, children_key,
--   children_missing_once_key (each count X has X_key, the sum of its units' record keys: each
--   child's once); every period, zeros included.
SELECT m.month, coalesce(c.children, 0) AS children,
       coalesce(c.children_missing_once, 0) AS children_missing_once,
       coalesce(c.children_key, 0) AS children_key,
       coalesce(c.children_missing_once_key, 0) AS children_missing_once_key
FROM periods($date_from, $date_to, $grain) m
LEFT JOIN child_cells_in($date_from, $date_to, $grain, $localities, $sexes, $age_bands,
                         fast := $whole_steps) c
    USING (month)
ORDER BY m.month;

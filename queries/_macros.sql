-- Macros shared by every query, created once when the database opens.
-- keep(value, allowed): true when no restriction is given (allowed is NULL) or value is allowed.
CREATE MACRO keep(value, allowed) AS (allowed IS NULL OR list_contains(allowed, value));

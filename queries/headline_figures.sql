-- headline_figures: the numerators and denominators of every headline figure (kpis.md) for one
-- period. Run once for the period and once for the comparison period.
-- Parameters: $date_from, $date_to (period, inclusive); $localities, $sexes, $age_bands,
--   $exploitation_types (NULL = all); $threshold, $window_days (repeat-missing trigger).
-- Output: one row, one column per numerator or denominator:
--   referrals, male_referrals, joint_referrals, cce_referrals, cce_from_youth_justice,
--   episodes, care_episodes, care_episodes_other_la, children, children_missing_once,
--   triggered_children, met_within_14_days, ended_episodes, rhi_offered, rhi_within_72h,
--   lionheart_cohort, lionheart_reviewed, lionheart_engaged, prevention_participants,
--   prevention_sessions (which scale the participants under protection), convictions.
--   Each count X has X_key, the sum of its units' record keys: every column but
--   prevention_participants (a sum of attendances). Units: referrals, episodes, children
--   (child_rkey, once each), triggered children (the key of their first trigger in the period),
--   cohort members, pursue_outcomes rows with a count above 0 (convictions).
WITH
cohort AS (
    SELECT * FROM lionheart_cohort
    WHERE identified_on <= $date_to AND keep(locality_code, $localities) AND keep(sex, $sexes)
),
latest_review AS (
    SELECT f.person_id, f.rkey, arg_max(f.engaged_with_support, f.review_month) AS engaged
    FROM lionheart_followups f JOIN cohort c USING (person_id)
    WHERE f.reviewed_on <= $date_to
    GROUP BY f.person_id, f.rkey
),
referral_figures AS (
    SELECT total(referrals) AS referrals, total(referrals_key) AS referrals_key,
           total(referrals, sex = 'male') AS male_referrals,
           total(referrals_key, sex = 'male') AS male_referrals_key,
           total(referrals, exploitation_type = 'cse_and_cce') AS joint_referrals,
           total(referrals_key, exploitation_type = 'cse_and_cce') AS joint_referrals_key,
           total(referrals, exploitation_type IN ('cce', 'cse_and_cce')) AS cce_referrals,
           total(referrals_key, exploitation_type IN ('cce', 'cse_and_cce')) AS cce_referrals_key,
           total(referrals, exploitation_type IN ('cce', 'cse_and_cce')
                            AND referral_source = 'youth_justice') AS cce_from_youth_justice,
           total(referrals_key, exploitation_type IN ('cce', 'cse_and_cce')
                                AND referral_source = 'youth_justice')
               AS cce_from_youth_justice_key
    FROM referral_cells_in($date_from, $date_to, $localities, $sexes, $age_bands,
                           $exploitation_types)
),
episode_figures AS (  -- every episode has one missing_from (home or care, contract.py)
    SELECT total(episodes, dimension = 'missing_from') AS episodes,
           total(episodes_key, dimension = 'missing_from') AS episodes_key,
           total(episodes, dimension = 'missing_from' AND category = 'care') AS care_episodes,
           total(episodes_key, dimension = 'missing_from' AND category = 'care')
               AS care_episodes_key,
           total(episodes, category = 'care_placed_by_other_council') AS care_episodes_other_la,
           total(episodes_key, category = 'care_placed_by_other_council')
               AS care_episodes_other_la_key
    FROM episode_cells_in($date_from, $date_to, $localities, $sexes, $age_bands)
    WHERE dimension IN ('missing_from', 'missing_from_detail')
),
child_figures AS (  -- the period is one step (grain NULL)
    SELECT total(children) AS children, total(children_key) AS children_key,
           total(children_missing_once) AS children_missing_once,
           total(children_missing_once_key) AS children_missing_once_key
    FROM child_cells_in($date_from, $date_to, $period_grain, $localities, $sexes, $age_bands,
                        fast := $period_grain IS NOT NULL)
),
trigger_figures AS (  -- the period is one step (grain NULL)
    SELECT total(COLUMNS(* EXCLUDE (month)))
    FROM trigger_cells_in($date_from, $date_to, $period_grain, $localities, $sexes, $age_bands,
                          $threshold, $window_days, fast := $period_grain IS NOT NULL)
),
return_figures AS (
    SELECT total(COLUMNS(* EXCLUDE (month)))
    FROM return_cells_in($date_from, $date_to, $localities, $sexes, $age_bands)
),
cohort_figures AS (
    SELECT count(*) AS lionheart_cohort, key_sum(rkey) AS lionheart_cohort_key FROM cohort
),
review_figures AS (
    SELECT count(*) AS lionheart_reviewed, key_sum(rkey) AS lionheart_reviewed_key,
           count(*) FILTER (engaged) AS lionheart_engaged,
           key_sum(rkey, engaged) AS lionheart_engaged_key
    FROM latest_review
),
prevention_figures AS (
    SELECT CAST(coalesce(sum(participants), 0) AS BIGINT) AS prevention_participants,
           count(*) AS prevention_sessions, key_sum(rkey) AS prevention_sessions_key
    FROM prevention_sessions
    WHERE delivered_on BETWEEN $date_from AND $date_to
      AND keep(locality_code, $localities) AND keep(age_band, $age_bands)
),
pursue_figures AS (
    SELECT CAST(coalesce(sum("count"), 0) AS BIGINT) AS convictions,
           key_sum(rkey, "count" > 0) AS convictions_key
    FROM pursue_outcomes
    WHERE measure = 'convictions' AND quarter_start BETWEEN $date_from AND $date_to
      AND keep(exploitation_type, $exploitation_types)
)
-- Each part is one row: joined by position (a cross join of nine makes DuckDB plan join orders,
-- which took twice as long as the figures themselves).
SELECT *
FROM referral_figures POSITIONAL JOIN episode_figures POSITIONAL JOIN child_figures
     POSITIONAL JOIN trigger_figures POSITIONAL JOIN return_figures
     POSITIONAL JOIN cohort_figures POSITIONAL JOIN review_figures
     POSITIONAL JOIN prevention_figures POSITIONAL JOIN pursue_figures;

-- headline_figures: the numerators and denominators of every headline figure (kpis.md) for one
-- period. Run once for the period and once for the comparison period.
-- Parameters: $date_from, $date_to (period, inclusive); $localities, $sexes, $age_bands,
--   $exploitation_types (NULL = all); $threshold, $window_days (repeat-missing trigger).
-- Output: one row, one column per numerator or denominator:
--   referrals, male_referrals, joint_referrals, cce_referrals, cce_from_youth_justice,
--   episodes, children, children_missing_once, care_episodes, care_episodes_other_la,
--   triggered_children, met_within_14_days, ended_episodes, rhi_offered, rhi_within_72h,
--   lionheart_cohort, lionheart_reviewed, lionheart_engaged, prevention_participants, convictions
WITH
referrals_in AS (
    SELECT * FROM filtered_referrals($date_from, $date_to, $localities, $sexes, $age_bands,
                                     $exploitation_types)
),
episodes AS (SELECT * FROM filtered_episodes($localities, $sexes, $age_bands)),
started AS (SELECT * FROM episodes WHERE start_date BETWEEN $date_from AND $date_to),
per_child AS (SELECT child_id, count(*) AS n FROM started GROUP BY child_id),
ended AS (SELECT * FROM episodes WHERE end_date BETWEEN $date_from AND $date_to),
triggers AS (
    SELECT * FROM first_triggers($date_from, $date_to, $localities, $sexes, $age_bands,
                                 $threshold, $window_days)
),
cohort AS (
    SELECT * FROM lionheart_cohort
    WHERE identified_on <= $date_to AND keep(locality_code, $localities) AND keep(sex, $sexes)
),
latest_review AS (
    SELECT arg_max(f.engaged_with_support, f.review_month) AS engaged
    FROM lionheart_followups f JOIN cohort c USING (person_id)
    WHERE f.reviewed_on <= $date_to
    GROUP BY f.person_id
)
SELECT
    (SELECT count(*) FROM referrals_in) AS referrals,
    (SELECT count(*) FILTER (sex = 'male') FROM referrals_in) AS male_referrals,
    (SELECT count(*) FILTER (exploitation_type = 'cse_and_cce') FROM referrals_in)
        AS joint_referrals,
    (SELECT count(*) FILTER (exploitation_type IN ('cce', 'cse_and_cce')) FROM referrals_in)
        AS cce_referrals,
    (SELECT count(*) FILTER (exploitation_type IN ('cce', 'cse_and_cce')
                             AND referral_source = 'youth_justice') FROM referrals_in)
        AS cce_from_youth_justice,
    (SELECT count(*) FROM started) AS episodes,
    (SELECT count(*) FROM per_child) AS children,
    (SELECT count(*) FILTER (n = 1) FROM per_child) AS children_missing_once,
    (SELECT count(*) FILTER (missing_from = 'care') FROM started) AS care_episodes,
    (SELECT count(*) FILTER (missing_from = 'care' AND placed_by_other_la) FROM started)
        AS care_episodes_other_la,
    (SELECT count(*) FROM triggers) AS triggered_children,
    (SELECT count(*) FILTER (met_within_14_days) FROM triggers) AS met_within_14_days,
    (SELECT count(*) FROM ended) AS ended_episodes,
    (SELECT count(*) FILTER (rhi_offered) FROM ended) AS rhi_offered,
    (SELECT count(*) FILTER (rhi_completed_at - end_at <= INTERVAL 72 HOUR) FROM ended)
        AS rhi_within_72h,
    (SELECT count(*) FROM cohort) AS lionheart_cohort,
    (SELECT count(*) FROM latest_review) AS lionheart_reviewed,
    (SELECT count(*) FILTER (engaged) FROM latest_review) AS lionheart_engaged,
    (SELECT CAST(coalesce(sum(participants), 0) AS BIGINT) FROM prevention_sessions
        WHERE delivered_on BETWEEN $date_from AND $date_to
          AND keep(locality_code, $localities) AND keep(age_band, $age_bands))
        AS prevention_participants,
    (SELECT CAST(coalesce(sum("count"), 0) AS BIGINT) FROM pursue_outcomes
        WHERE measure = 'convictions' AND quarter_start BETWEEN $date_from AND $date_to
          AND keep(exploitation_type, $exploitation_types)) AS convictions;

-- lionheart_reviews: outcomes of the cohort at the 3, 6 and 12-month reviews held by the end of
-- the period, so that change between reviews can be read off.
-- Parameters: $date_to, $localities, $sexes.
-- Output: review ('3 months', '6 months', '12 months'), measure (a follow-up column), category
--   (its code, or yes/no for the yes/no questions), people, reviewed (people reviewed at that
--   review: the denominator), people_key, reviewed_key (each count X has X_key, the sum of its
--   units' record keys: the people's). Ordered by review month.
WITH f AS (
    SELECT f.review_month,
           CASE WHEN f.partnership_meeting_held THEN 'yes' ELSE 'no' END
               AS partnership_meeting_held,
           CASE WHEN f.engaged_with_support THEN 'yes' ELSE 'no' END AS engaged_with_support,
           CASE WHEN f.missing_since_last_review THEN 'yes' ELSE 'no' END
               AS missing_since_last_review,
           CASE WHEN f.re_referred THEN 'yes' ELSE 'no' END AS re_referred,
           f.safeguarding_status, f.education_employment, f.nrm_decision, f.justice_status,
           f.rkey
    FROM lionheart_followups f
    JOIN lionheart_cohort c USING (person_id)
    WHERE f.reviewed_on <= $date_to AND keep(c.locality_code, $localities)
      AND keep(c.sex, $sexes)
),
long AS (
    UNPIVOT f ON COLUMNS(* EXCLUDE (review_month, rkey)) INTO NAME measure VALUE category
),
reviews AS (
    SELECT review_month, count(*) AS reviewed, key_sum(rkey) AS reviewed_key
    FROM f
    GROUP BY ALL
)
SELECT CAST(review_month AS VARCHAR) || ' months' AS review, measure, category,
       count(*) AS people, any_value(reviewed) AS reviewed, key_sum(rkey) AS people_key,
       any_value(reviewed_key) AS reviewed_key
FROM long
JOIN reviews USING (review_month)
GROUP BY review_month, measure, category
ORDER BY review_month, measure, category;

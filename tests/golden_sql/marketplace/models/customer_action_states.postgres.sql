-- customer_action_states (model) on postgres: scripts/golden_sql.py
/* Core action state counts for the demand dashboards: customers active, losing, lost or */
/* inactive, and what they were billed this year. */
SELECT
  core_action_state,
  COUNT(*) AS customers,
  SUM(billed_this_year) AS billed
FROM customer_development
GROUP BY
  core_action_state;

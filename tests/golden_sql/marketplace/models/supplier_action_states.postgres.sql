-- supplier_action_states (model) on postgres: scripts/golden_sql.py
/* Core action state counts for the supply dashboard: how many suppliers are active, losing, */
/* lost or inactive, and their net payouts this year. */
SELECT
  core_action_state,
  COUNT(*) AS suppliers,
  SUM(payout_this_year) AS net_payout
FROM supplier_development
GROUP BY
  core_action_state;

-- The supplier payout waterfall, long form (one row per cohort and year, the dashboard pivots
-- it: `cohort` is the first year as text, or TOTAL). A supplier's cohort is the first year it
-- had a positive net payout, the Unlinked row is a cohort member like any supplier. chart =
-- PAYOUT_DOLLARS (net payouts), TOTAL (all cohorts together, must equal the P&L) and
-- NPR_PERCENT (a cohort's payouts over its first year's).
{% call cohort_matrix('supplier_name', 'payout', 'PAYOUT_DOLLARS', 'NPR_PERCENT') %}
  select supplier_name, txn_year as year, sum(amount) as payout
  from supplier_payouts
  group by 1, 2
{% endcall %}

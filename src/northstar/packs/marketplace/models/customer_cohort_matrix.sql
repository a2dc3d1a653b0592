-- The customer retention waterfall, long form: cohort = first year billed. chart =
-- BILLED_DOLLARS (GMV + discounts - credit memos), TOTAL (all cohorts together) and NRR_PERCENT
-- (a cohort's billings over its first year's). `cohort` is the first year as text, or TOTAL:
-- the dashboard pivots the rows into a matrix.
{% call cohort_matrix('customer_id', 'billed', 'BILLED_DOLLARS', 'NRR_PERCENT') %}
  select customer_id, {{ year_of('txn_date') }} as year, sum(amount) as billed
  from revenue_lines
  where kind in ('gmv', 'discount', 'credit_memo')
  group by 1, 2
{% endcall %}

-- description: The TOTAL row of the customer cohort matrix equals the P&L's sampling income
--   (accounts 4110-4169 and discounts on 4190), for every year: every billed dollar belongs to
--   a customer cohort.
-- severity: error
with yearly_pnl as (
  select {{ year_of('month') }} as year, sum(amount) as pnl_billed
  from pnl
  where account_number between '4110' and '4190'
  group by 1
),
total as (
  select year, value
  from customer_cohort_matrix
  where chart = 'TOTAL'
)
select coalesce(t.year, p.year) as year, t.value as cohort_total, p.pnl_billed,
       coalesce(t.value, 0) - coalesce(p.pnl_billed, 0) as difference
from total as t
full outer join yearly_pnl as p on p.year = t.year
where abs(coalesce(t.value, 0) - coalesce(p.pnl_billed, 0)) >= 0.01

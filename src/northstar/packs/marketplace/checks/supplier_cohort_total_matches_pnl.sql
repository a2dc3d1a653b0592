-- description: The TOTAL row of the supplier cohort payout matrix equals the P&L on accounts
--   4200-4230, for every year: every payout belongs to a cohort.
-- severity: error
with yearly_pnl as (
  select {{ year_of('month') }} as year, sum(amount) as pnl_net_payouts
  from pnl
  where account_number between '4200' and '4230'
  group by 1
),
total as (
  select year, value
  from supplier_cohort_matrix
  where chart = 'TOTAL'
)
select coalesce(t.year, p.year) as year, t.value as cohort_total, p.pnl_net_payouts,
       coalesce(t.value, 0) - coalesce(p.pnl_net_payouts, 0) as difference
from total as t
full outer join yearly_pnl as p on p.year = t.year
where abs(coalesce(t.value, 0) - coalesce(p.pnl_net_payouts, 0)) >= 0.01

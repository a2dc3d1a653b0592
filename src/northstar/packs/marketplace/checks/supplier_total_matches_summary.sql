-- description: The TOTAL (P&L Match) row of NPR by supplier equals the NPR summary, for every
--   year: no payout is lost or counted twice when bills are linked to suppliers.
-- severity: error
with total as (
  select year, net_payout
  from supply_npr_by_supplier
  where row_kind = 'total'
)
select coalesce(t.year, s.year) as year, t.net_payout as supplier_total,
       s.net_payouts as summary_net_payouts,
       coalesce(t.net_payout, 0) - coalesce(s.net_payouts, 0) as difference
from total as t
full outer join supply_npr_summary as s on s.year = t.year
where abs(coalesce(t.net_payout, 0) - coalesce(s.net_payouts, 0)) >= 0.01

-- description: Net payouts in the NPR summary (bills less vendor credits on accounts
--   4200-4230) equal the P&L on the same accounts, for every year (the P&L built from the
--   books; the reported P&L where the books are not loaded).
-- severity: error
with yearly_pnl as (
  select {{ year_of('month') }} as year, sum(amount) as pnl_net_payouts
  from pnl
  where account_number between '4200' and '4230'
  group by 1
)
select coalesce(s.year, p.year) as year, s.net_payouts as summary_net_payouts,
       p.pnl_net_payouts,
       coalesce(s.net_payouts, 0) - coalesce(p.pnl_net_payouts, 0) as difference
from supply_npr_summary as s
full outer join yearly_pnl as p on p.year = s.year
where abs(coalesce(s.net_payouts, 0) - coalesce(p.pnl_net_payouts, 0)) >= 0.01

-- description: No supplier's take rate is negative in a year (GMV on the platform's line
--   items naming it, less its net payouts, over that GMV) unless someone explained it:
--   `northstar explain supplier_take_rate_explained "<supplier>" <year> --reason "..."`
--   (a guaranteed minimum paid above the sales, a refund, a bill booked to the wrong
--   organiser). Years before the latest payout's year are judged (in the year under way bills
--   run ahead of the platform's lines); the Unlinked row too. A year with payouts and no GMV
--   has no take rate and is not judged here.
-- severity: error
with gmv as (
  select supplier_name, year, sum(gmv) as gmv
  from supplier_gmv
  group by 1, 2
),
paid as (
  select supplier_name, txn_year as year, sum(amount) as net_payout
  from supplier_payouts
  group by 1, 2
),
rates as (
  select g.supplier_name, g.year, g.gmv, coalesce(p.net_payout, 0) as net_payout,
         g.gmv - coalesce(p.net_payout, 0) as net_revenue,
         cast(g.gmv - coalesce(p.net_payout, 0) as double) / cast(g.gmv as double)
           as take_rate
  from gmv as g
  left join paid as p on p.supplier_name = g.supplier_name and p.year = g.year
  where g.gmv > 0
)
select r.supplier_name, r.year, r.gmv, r.net_payout, r.net_revenue, r.take_rate
from rates as r
where r.take_rate < 0
  and r.year < (select max(txn_year) from supplier_payouts)
  and not exists (select 1 from ns_explanations as e
                  where e.check_name = 'supplier_take_rate_explained'
                    and e.record_key = r.supplier_name
                    and e.period = cast(r.year as varchar))

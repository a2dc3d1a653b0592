-- One row per supplier on the platform, plus one "Unlinked (Not in Platform)" row: first year
-- with a positive net payout (its cohort), last bill date, net payouts this year, last year and
-- in total, NPR, GMV (the platform's line items naming the supplier), net revenue = GMV - net
-- payout (the seed's supplier view) and take rate = net revenue / GMV, this year and in total,
-- and the core action state. "This year" is the year of the latest payout line.
-- Core action state (seed rule, on net payouts):
--   paid this year and last year: losing if it fell by more than half, else active,
--   paid this year only: active (new or back), paid last year only: lost, otherwise inactive.
with pay as (
  select supplier_name, txn_year, sum(amount) as net_payout,
         max(case when kind = 'bill' then txn_date end) as last_bill
  from supplier_payouts
  group by 1, 2
),
roster as (
  select id as supplier_id, name as supplier_name from suppliers
  union all
  select cast(null as varchar), 'Unlinked (Not in Platform)'
),
this_year as (select max(txn_year) as y from supplier_payouts),
sales as (
  select g.supplier_name,
         coalesce(sum(case when g.year = t.y then g.gmv end), 0) as gmv_this_year,
         coalesce(sum(case when g.year = t.y - 1 then g.gmv end), 0) as gmv_last_year,
         coalesce(sum(g.gmv), 0) as total_gmv
  from supplier_gmv as g
  cross join this_year as t
  group by 1
),
per as (
  select r.supplier_id, r.supplier_name,
         min(case when p.net_payout > 0 then p.txn_year end) as first_year,
         max(p.last_bill) as last_payout_date,
         coalesce(sum(case when p.txn_year = (select max(txn_year) from supplier_payouts)
                           then p.net_payout end), 0) as payout_this_year,
         coalesce(sum(case when p.txn_year = (select max(txn_year) from supplier_payouts) - 1
                           then p.net_payout end), 0) as payout_last_year,
         coalesce(sum(p.net_payout), 0) as total_payout
  from roster as r
  left join pay as p on p.supplier_name = r.supplier_name
  group by 1, 2
)
select p.supplier_id, p.supplier_name, first_year, last_payout_date, payout_this_year,
       payout_last_year, total_payout,
       cast(payout_this_year as double) / nullif(cast(payout_last_year as double), 0) as npr,
       coalesce(g.gmv_this_year, 0) as gmv_this_year,
       coalesce(g.gmv_last_year, 0) as gmv_last_year,
       coalesce(g.total_gmv, 0) as total_gmv,
       coalesce(g.gmv_this_year, 0) - payout_this_year as net_revenue_this_year,
       coalesce(g.total_gmv, 0) - total_payout as total_net_revenue,
       cast(coalesce(g.gmv_this_year, 0) - payout_this_year as double)
         / nullif(cast(g.gmv_this_year as double), 0) as take_rate_this_year,
       cast(coalesce(g.total_gmv, 0) - total_payout as double)
         / nullif(cast(g.total_gmv as double), 0) as take_rate,
       {{ core_action_state('payout_this_year', 'payout_last_year') }} as core_action_state
from per as p
left join sales as g on g.supplier_name = p.supplier_name

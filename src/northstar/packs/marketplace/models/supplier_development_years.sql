-- The supplier development view with one column per year, as seed 004 shows it
-- (payout_2022 ... payout_2026, gmv_*, net_revenue_*, npr_*): one row per supplier of
-- supplier_development (the "Unlinked (Not in Platform)" row too) and year that has payouts or
-- GMV, with that year's net payout, GMV, net revenue (GMV - net payout) and NPR (net payout
-- over the year before's). A dashboard tile pivots it on `year`: a column a year.
with years as (
  select txn_year as year from supplier_payouts
  union
  select year from supplier_gmv
),
pay as (
  select supplier_name, txn_year as year, sum(amount) as payout
  from supplier_payouts
  group by 1, 2
),
sales as (
  select supplier_name, year, sum(gmv) as gmv
  from supplier_gmv
  group by 1, 2
)
select d.supplier_id, d.supplier_name, y.year, d.core_action_state, d.total_payout,
       coalesce(p.payout, 0) as payout, coalesce(s.gmv, 0) as gmv,
       coalesce(s.gmv, 0) - coalesce(p.payout, 0) as net_revenue,
       cast(p.payout as double) / nullif(cast(b.payout as double), 0) as npr
from supplier_development as d
cross join years as y
left join pay as p on p.supplier_name = d.supplier_name and p.year = y.year
left join pay as b on b.supplier_name = d.supplier_name and b.year = y.year - 1
left join sales as s on s.supplier_name = d.supplier_name and s.year = y.year

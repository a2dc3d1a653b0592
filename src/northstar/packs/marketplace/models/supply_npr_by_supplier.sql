-- Net payout retention by supplier and year, with one "Unlinked (Not in Platform)" row for the
-- bills no remittance links to a supplier and a "TOTAL (P&L Match)" row per year that must equal
-- the P&L. A supplier with no payouts in a year shows 0 for it. row_kind: supplier, unlinked,
-- total.
with yearly as (
  select supplier_name, txn_year as year, sum(amount) as net_payout
  from supplier_payouts
  group by 1, 2
),
years as (select distinct year from yearly),
names as (select distinct supplier_name from yearly),
grid as (
  select n.supplier_name, y.year, coalesce(v.net_payout, 0) as net_payout
  from names as n
  cross join years as y
  left join yearly as v on v.supplier_name = n.supplier_name and v.year = y.year
),
with_total as (
  select supplier_name, year, net_payout from grid
  union all
  select 'TOTAL (P&L Match)', year, sum(net_payout) from grid group by year
)
select supplier_name,
       case when supplier_name = 'TOTAL (P&L Match)' then 'total'
            when supplier_name = 'Unlinked (Not in Platform)' then 'unlinked'
            else 'supplier' end as row_kind,
       year, net_payout,
       lag(net_payout) over (partition by supplier_name order by year) as prior_net_payout,
       cast(net_payout as double)
       / nullif(cast(lag(net_payout) over (partition by supplier_name order by year) as double),
                0) as npr,
       sum(net_payout) over (partition by supplier_name) as total_ltv
from with_total

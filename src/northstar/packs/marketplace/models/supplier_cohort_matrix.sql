-- The supplier payout waterfall, long form (one row per cohort and year, the dashboard pivots
-- it: `cohort` is the first year as text, or TOTAL). A supplier's cohort is the first year it
-- had a positive net payout, the Unlinked row is a cohort member like any supplier. chart = PAYOUT_DOLLARS (net payouts), TOTAL (all cohorts
-- together, must equal the P&L) and NPR_PERCENT (a cohort's payouts over its first year's).
with yearly as (
  select supplier_name, txn_year as year, sum(amount) as payout
  from supplier_payouts
  group by 1, 2
),
cohort as (
  select supplier_name, min(year) as first_year
  from yearly
  where payout > 0
  group by 1
),
dollars as (
  select c.first_year, y.year, sum(y.payout) as value
  from yearly as y
  join cohort as c on c.supplier_name = y.supplier_name
  group by 1, 2
)
select 'PAYOUT_DOLLARS' as chart, first_year, cast(first_year as varchar) as cohort, year,
       cast(value as double) as value
from dollars
union all
select 'TOTAL', cast(null as integer), 'TOTAL', year, cast(sum(value) as double)
from dollars
group by year
union all
select 'NPR_PERCENT', d.first_year, cast(d.first_year as varchar), d.year,
       cast(d.value as double) / nullif(cast(b.value as double), 0)
from dollars as d
join dollars as b on b.first_year = d.first_year and b.year = d.first_year

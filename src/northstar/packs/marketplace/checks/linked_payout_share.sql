-- description: In every year, at least the share set as linked_payout_share_min under [vars]
--   in northstar.toml (default 0.95: 95%) of the organiser payouts (bill dollars on 4200-4230)
--   is on bills linked to a platform organiser, a bill being linked when its Bill # is found
--   in the remittances (seed 004). A year below it lists its unlinked bills, largest first:
--   Bill #s the platform does not know, bills the books keep without their Bill #, or a
--   year's remittances not loaded. Years before linked_payout_share_from_year (default: all
--   years) are not judged.
-- severity: error
with lines as (
  select l.bill_id, l.doc_number, {{ year_of('l.txn_date') }} as year, l.amount,
         l.bill_id in (select bill_id from bill_links where supplier_id is not null) as linked
  from bill_lines as l
  where l.account_number between '4200' and '4230'
),
years as (
  select year,
         sum(case when linked then amount else 0 end) / nullif(sum(amount), 0) as linked_share
  from lines
  group by year
)
select y.year, cast(y.linked_share as decimal(9, 4)) as linked_share,
       {{ var('linked_payout_share_min', 0.95) }} as required_share,
       l.bill_id, coalesce(l.doc_number, '(no Bill #)') as bill_number, sum(l.amount) as amount
from years as y
join lines as l on l.year = y.year and not l.linked
where y.linked_share < {{ var('linked_payout_share_min', 0.95) }}
  and y.year >= {{ var('linked_payout_share_from_year', 0) }}
group by y.year, y.linked_share, l.bill_id, l.doc_number
order by y.year desc, amount desc, l.bill_id

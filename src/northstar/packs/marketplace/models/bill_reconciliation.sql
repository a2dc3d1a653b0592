-- Organiser payments where the platform's remittances and the accounting system's bills
-- disagree: a remittance whose bill is not in the books, or whose amount differs from the bill.
-- (Bills with no remittance at all are the unlinked payouts, tracked on their own.)
-- difference = accounting - platform.
with books as (
  select bill_id, min(txn_date) as txn_date, sum(amount) as total
  from bill_lines
  group by bill_id
),
remitted as (
  select bill_id, min(remitted_date) as remitted_date, sum(amount) as total
  from remittance_lines
  group by bill_id
)
select r.bill_id, coalesce(b.txn_date, r.remitted_date) as bill_date,
       b.total as accounting_total, r.total as platform_total,
       coalesce(b.total, 0) - r.total as difference,
       case when b.bill_id is null then 'missing in accounting'
            else 'amounts differ' end as issue
from remitted as r
left join books as b on b.bill_id = r.bill_id
where b.bill_id is null or b.total <> r.total

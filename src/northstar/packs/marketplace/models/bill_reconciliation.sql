-- Organiser payments where the platform's remittances and the accounting system's bills
-- disagree: a remittance whose bill is not in the books, or whose amount differs from the bill.
-- (Bills with no remittance at all are the unlinked payouts, tracked on their own.)
-- difference = accounting - platform. Remittances name a bill by its Bill # (doc_number in the
-- books, or a bill without one by its id), so bill_id here is that number.
with books as (
  select coalesce(min(doc_number), bill_id) as bill_number, min(txn_date) as txn_date,
         sum(amount) as total
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
       case when b.bill_number is null then 'missing in accounting'
            else 'amounts differ' end as issue
from remitted as r
left join books as b on b.bill_number = r.bill_id
where b.bill_number is null or b.total <> r.total

-- Invoices where the accounting system and the platform disagree (all should reconcile):
-- missing on one side, or totals that differ. difference = accounting - platform.
with books as (
  select invoice_id, min(txn_date) as txn_date, sum(amount) as total
  from invoice_lines
  group by invoice_id
)
select coalesce(b.invoice_id, p.id) as invoice_id,
       coalesce(b.txn_date, p.invoice_date) as invoice_date,
       b.total as accounting_total, p.total as platform_total,
       coalesce(b.total, 0) - coalesce(p.total, 0) as difference,
       case when p.id is null then 'missing in platform'
            when b.invoice_id is null then 'missing in accounting'
            else 'amounts differ' end as issue
from books as b
full outer join platform_invoices as p on p.id = b.invoice_id
where b.invoice_id is null or p.id is null or b.total <> p.total

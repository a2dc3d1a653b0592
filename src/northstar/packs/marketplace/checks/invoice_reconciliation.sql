-- description: Invoices in the accounting system and the platform agree: no invoice missing on
--   one side and no totals differing by a dollar or more. Invoices from the last three days
--   are left out (the platform export runs behind); cent differences show in the variance
--   metrics instead.
-- severity: error
select invoice_id, invoice_date, accounting_total, platform_total, difference, issue
from invoice_reconciliation
where (abs(difference) >= 1 or accounting_total is null or platform_total is null)
  and invoice_date < (select max(txn_date) from invoice_lines) - 3

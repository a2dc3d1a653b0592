-- Gross merchandise value: invoice lines on the sampling revenue accounts 4110-4169
-- (discount lines on 4190 are not GMV).
select id as line_id, invoice_id, customer_id, txn_date, due_date, account_number, amount,
       {{ tags() }}
from invoice_lines
where account_number between '4110' and '4169'

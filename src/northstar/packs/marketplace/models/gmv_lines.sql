-- Gross merchandise value: invoice lines on the sampling revenue accounts 4110-4169
-- (discount lines on 4190 are not GMV).
select id as line_id, invoice_id, customer_id, txn_date, due_date, account_number, amount,
       department, team, owner_id, client_id, source_funnel, utm_source, utm_medium, utm_campaign
from invoice_lines
where account_number between '4110' and '4169'

-- Customer payments applied to invoices: one row per payment line that names an invoice.
select
  cast(l.payment_id as varchar) || '-' || cast(l."index" as varchar) as id,
  cast(p.id as varchar) as payment_id,
  cast(l.invoice_id as varchar) as invoice_id,
  cast(p.customer_id as varchar) as customer_id,
  cast(p.transaction_date as date) as payment_date,
  cast(l.amount as decimal(18, 2)) as amount,
  cast(p.deposit_to_account_id as varchar) as account_id,
  cast(p.currency_id as varchar) as currency_id,
  cast(p.exchange_rate as decimal(18, 6)) as exchange_rate,
  coalesce(lower(cast(p._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(p._fivetran_synced, l._fivetran_synced) as timestamp) as fivetran_synced
from payment_line as l
join payment as p on cast(p.id as varchar) = cast(l.payment_id as varchar)
where l.invoice_id is not null

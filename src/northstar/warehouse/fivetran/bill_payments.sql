-- Organiser bill payments: one row per bill payment line that names a bill (what dates a
-- bill's payment, so "unpaid as of a day" can be told for any day, not only today).
select
  cast(l.bill_payment_id as varchar) || '-' || cast(l."index" as varchar) as id,
  cast(p.id as varchar) as bill_payment_id,
  cast(l.bill_id as varchar) as bill_id,
  cast(p.vendor_id as varchar) as supplier_id,
  cast(p.transaction_date as date) as payment_date,
  cast(l.amount as decimal(18, 2)) as amount,
  coalesce(cast(p.check_bank_account_id as varchar), cast(p.credit_card_account_id as varchar))
    as account_id,
  cast(p.currency_id as varchar) as currency_id,
  cast(p.exchange_rate as decimal(18, 6)) as exchange_rate,
  coalesce(lower(cast(p._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(p._fivetran_synced, l._fivetran_synced) as timestamp) as fivetran_synced
from bill_payment_line as l
join bill_payment as p on cast(p.id as varchar) = cast(l.bill_payment_id as varchar)
where l.bill_id is not null

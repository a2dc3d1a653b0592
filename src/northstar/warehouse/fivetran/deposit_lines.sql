-- Deposit lines: money into the deposit's bank account (deposit_account_id) from the line's
-- account (account_id; none for a customer payment moved out of Undeposited Funds, which
-- names the payment instead). Fivetran's deposit_line calls the line's account
-- deposit_account_id and the header's bank account account_id.
select
  cast(l.deposit_id as varchar) || '-' || cast(l."index" as varchar) as id,
  cast(d.id as varchar) as deposit_id,
  cast(l."index" as bigint) as line_num,
  cast(d.transaction_date as date) as txn_date,
  cast(d.account_id as varchar) as deposit_account_id,
  cast(l.deposit_account_id as varchar) as account_id,
  cast(a.account_number as varchar) as account_number,
  cast(l.payment_id as varchar) as payment_id,
  cast(l.amount as decimal(18, 2)) as amount,
  cast(d.currency_id as varchar) as currency_id,
  cast(d.exchange_rate as decimal(18, 6)) as exchange_rate,
  coalesce(lower(cast(d._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(d._fivetran_synced, l._fivetran_synced, a._fivetran_synced) as timestamp)
    as fivetran_synced
from deposit_line as l
join deposit as d on cast(d.id as varchar) = cast(l.deposit_id as varchar)
left join account as a
  on cast(a.id as varchar) = cast(l.deposit_account_id as varchar)
 and not coalesce(lower(cast(a._fivetran_deleted as varchar)) in ('true', 't', '1'), false)

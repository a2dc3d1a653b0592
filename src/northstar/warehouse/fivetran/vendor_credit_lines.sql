-- Vendor credit lines (positive amounts; the models add them back against payouts) on the
-- line's expense account, else its item's expense account.
select
  cast(l.vendor_credit_id as varchar) || '-' || cast(l."index" as varchar) as id,
  cast(v.id as varchar) as vendor_credit_id,
  cast(null as varchar) as bill_id,  -- QuickBooks does not link a vendor credit to a bill
  cast(v.vendor_id as varchar) as supplier_id,
  cast(v.transaction_date as date) as txn_date,
  cast(a.id as varchar) as account_id,
  cast(a.account_number as varchar) as account_number,
  cast(a.name as varchar) as account_name,
  cast(l.amount as decimal(18, 2)) as amount,
  cast(v.currency_id as varchar) as currency_id,
  cast(v.exchange_rate as decimal(18, 6)) as exchange_rate,
  coalesce(lower(cast(v._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(v._fivetran_synced, l._fivetran_synced, a._fivetran_synced, it._fivetran_synced)
       as timestamp) as fivetran_synced
from vendor_credit_line as l
join vendor_credit as v on cast(v.id as varchar) = cast(l.vendor_credit_id as varchar)
left join item as it
  on cast(it.id as varchar) = cast(l.item_expense_item_id as varchar)
 and not coalesce(lower(cast(it._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
left join account as a
  on cast(a.id as varchar) = coalesce(cast(l.account_expense_account_id as varchar),
                                      cast(it.expense_account_id as varchar))
 and not coalesce(lower(cast(a._fivetran_deleted as varchar)) in ('true', 't', '1'), false)

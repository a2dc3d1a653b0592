-- Bill lines on their expense account (the line's account-based expense account, else its item's
-- expense account). QuickBooks knows only paid or not: a bill with no balance left is 'Paid',
-- otherwise 'Open' (the Bill.com statuses come from the platform's own export).
-- bill_id is QuickBooks' internal id (what bill payments point at); doc_number is the Bill #
-- printed on the bill (B-30002), what the platform's remittances carry and link on.
select
  cast(l.bill_id as varchar) || '-' || cast(l."index" as varchar) as id,
  cast(b.id as varchar) as bill_id,
  cast(b.doc_number as varchar) as doc_number,
  cast(b.vendor_id as varchar) as supplier_id,
  cast(b.transaction_date as date) as txn_date,
  cast(b.due_date as date) as due_date,
  cast(a.id as varchar) as account_id,
  cast(a.account_number as varchar) as account_number,
  cast(a.name as varchar) as account_name,
  cast(l.amount as decimal(18, 2)) as amount,
  case when b.balance is null then null when b.balance = 0 then 'Paid' else 'Open' end
    as bill_pay_status,
  cast(b.currency_id as varchar) as currency_id,
  cast(b.exchange_rate as decimal(18, 6)) as exchange_rate,
  coalesce(lower(cast(b._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(b._fivetran_synced, l._fivetran_synced, a._fivetran_synced, it._fivetran_synced)
       as timestamp) as fivetran_synced
from bill_line as l
join bill as b on cast(b.id as varchar) = cast(l.bill_id as varchar)
left join item as it
  on cast(it.id as varchar) = cast(l.item_expense_item_id as varchar)
 and not coalesce(lower(cast(it._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
left join account as a
  on cast(a.id as varchar) = coalesce(cast(l.account_expense_account_id as varchar),
                                      cast(it.expense_account_id as varchar))
 and not coalesce(lower(cast(a._fivetran_deleted as varchar)) in ('true', 't', '1'), false)

-- Purchase lines (expenses, checks, card charges): the expense account (the line's, else its
-- item's), paid from the purchase's account. A card credit (credit true) runs the other way.
select
  cast(l.purchase_id as varchar) || '-' || cast(l."index" as varchar) as id,
  cast(p.id as varchar) as purchase_id,
  cast(l."index" as bigint) as line_num,
  cast(p.doc_number as varchar) as doc_number,
  cast(p.vendor_id as varchar) as supplier_id,
  cast(p.transaction_date as date) as txn_date,
  cast(p.payment_type as varchar) as payment_type,
  cast(p.account_id as varchar) as payment_account_id,
  coalesce(lower(cast(p.credit as varchar)) in ('true', 't', '1'), false) as is_credit,
  cast(a.id as varchar) as account_id,
  cast(a.account_number as varchar) as account_number,
  cast(l.amount as decimal(18, 2)) as amount,
  cast(p.currency_id as varchar) as currency_id,
  cast(p.exchange_rate as decimal(18, 6)) as exchange_rate,
  coalesce(lower(cast(p._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(p._fivetran_synced, l._fivetran_synced, a._fivetran_synced, it._fivetran_synced)
       as timestamp) as fivetran_synced
from purchase_line as l
join purchase as p on cast(p.id as varchar) = cast(l.purchase_id as varchar)
left join item as it
  on cast(it.id as varchar) = cast(l.item_expense_item_id as varchar)
 and not coalesce(lower(cast(it._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
left join account as a
  on cast(a.id as varchar) = coalesce(cast(l.account_expense_account_id as varchar),
                                      cast(it.expense_account_id as varchar))
 and not coalesce(lower(cast(a._fivetran_deleted as varchar)) in ('true', 't', '1'), false)

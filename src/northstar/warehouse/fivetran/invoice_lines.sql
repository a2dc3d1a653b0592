-- Invoice lines of QuickBooks invoices: sales lines on their income account (the line's own
-- account, else its item's income account) and discount lines, negative, on the discount
-- account. Subtotal and description-only lines post nothing and are left out.
with lines as (
  select l.*,
         case when l.detail_type = 'DiscountLineDetail' or l.discount_account_id is not null
              then 'discount' else 'sales' end as line_kind
  from invoice_line as l
  where coalesce(l.detail_type, '') not in ('SubTotalLineDetail', 'DescriptionOnly',
                                            'DescriptionLineDetail')
    and (l.detail_type is not null
         or coalesce(cast(l.sales_item_item_id as varchar), cast(l.item_id as varchar),
                     cast(l.sales_item_account_id as varchar), cast(l.account_id as varchar),
                     cast(l.discount_account_id as varchar)) is not null)
)
select
  cast(l.invoice_id as varchar) || '-' || cast(l."index" as varchar) as id,
  cast(i.id as varchar) as invoice_id,
  cast(i.customer_id as varchar) as customer_id,
  cast(i.transaction_date as date) as txn_date,
  cast(i.due_date as date) as due_date,
  cast(a.id as varchar) as account_id,
  cast(a.account_number as varchar) as account_number,
  cast(a.name as varchar) as account_name,
  l.line_kind,
  cast(case when l.line_kind = 'discount' then -l.amount else l.amount end as decimal(18, 2))
    as amount,
  cast(i.currency_id as varchar) as currency_id,
  cast(i.exchange_rate as decimal(18, 6)) as exchange_rate,
  cast(i.department_id as varchar) as qbo_department_id,
  coalesce(lower(cast(i._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(i._fivetran_synced, l._fivetran_synced, a._fivetran_synced, it._fivetran_synced)
       as timestamp) as fivetran_synced
from lines as l
join invoice as i on cast(i.id as varchar) = cast(l.invoice_id as varchar)
left join item as it
  on cast(it.id as varchar) = coalesce(cast(l.sales_item_item_id as varchar),
                                       cast(l.item_id as varchar))
 and not coalesce(lower(cast(it._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
left join account as a
  on cast(a.id as varchar) = coalesce(
       case when l.line_kind = 'discount' then cast(l.discount_account_id as varchar) end,
       cast(l.sales_item_account_id as varchar), cast(l.account_id as varchar),
       cast(it.income_account_id as varchar))
 and not coalesce(lower(cast(a._fivetran_deleted as varchar)) in ('true', 't', '1'), false)

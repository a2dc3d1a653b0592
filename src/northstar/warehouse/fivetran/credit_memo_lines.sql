-- Credit memo lines (positive amounts; the models subtract them) on the income account of the
-- line or of its item. Discount lines count negative; subtotal and description lines are left out.
with lines as (
  select l.*,
         case when l.discount_account_id is not null then 'discount' else 'sales' end as line_kind
  from credit_memo_line as l
  where coalesce(l.detail_type, '') not in ('SubTotalLineDetail', 'DescriptionOnly',
                                            'DescriptionLineDetail')
    and (l.detail_type is not null
         or coalesce(cast(l.sales_item_item_id as varchar), cast(l.sales_item_account_id as varchar),
                     cast(l.discount_account_id as varchar)) is not null)
)
select
  cast(l.credit_memo_id as varchar) || '-' || cast(l."index" as varchar) as id,
  cast(c.id as varchar) as credit_memo_id,
  cast(c.customer_id as varchar) as customer_id,
  cast(c.transaction_date as date) as txn_date,
  cast(a.id as varchar) as account_id,
  cast(a.account_number as varchar) as account_number,
  cast(a.name as varchar) as account_name,
  l.line_kind,
  cast(case when l.line_kind = 'discount' then -l.amount else l.amount end as decimal(18, 2))
    as amount,
  cast(c.currency_id as varchar) as currency_id,
  cast(c.exchange_rate as decimal(18, 6)) as exchange_rate,
  coalesce(lower(cast(c._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(c._fivetran_synced, l._fivetran_synced, a._fivetran_synced, it._fivetran_synced)
       as timestamp) as fivetran_synced
from lines as l
join credit_memo as c on cast(c.id as varchar) = cast(l.credit_memo_id as varchar)
left join item as it
  on cast(it.id as varchar) = cast(l.sales_item_item_id as varchar)
 and not coalesce(lower(cast(it._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
left join account as a
  on cast(a.id as varchar) = coalesce(
       case when l.line_kind = 'discount' then cast(l.discount_account_id as varchar) end,
       cast(l.sales_item_account_id as varchar), cast(it.income_account_id as varchar))
 and not coalesce(lower(cast(a._fivetran_deleted as varchar)) in ('true', 't', '1'), false)

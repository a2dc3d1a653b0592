-- QuickBooks customers: the ids invoice lines, credit memos and payments point at.
select
  cast(c.id as varchar) as id,
  cast(coalesce(c.display_name, c.company_name, c.fully_qualified_name) as varchar) as name,
  cast(c.created_at as date) as created_date,
  cast(t.name as varchar) as industry,
  cast(c.parent_customer_id as varchar) as parent_customer_id,
  cast(c.currency_id as varchar) as currency_id,
  coalesce(lower(cast(c._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(c._fivetran_synced, t._fivetran_synced) as timestamp) as fivetran_synced
from customer as c
left join customer_type as t on cast(t.id as varchar) = cast(c.customer_type_id as varchar)

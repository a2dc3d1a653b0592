-- QuickBooks vendors as suppliers: the ids bill lines and vendor credit lines point at.
select
  cast(v.id as varchar) as id,
  cast(coalesce(v.display_name, v.company_name) as varchar) as name,
  cast(v.created_at as date) as first_listed_date,
  cast(null as varchar) as event_type,
  cast(v.currency_id as varchar) as currency_id,
  coalesce(lower(cast(v._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(v._fivetran_synced as timestamp) as fivetran_synced
from vendor as v

-- HubSpot owners (sellers and account managers): the tag rules map their email to people.yml.
select
  cast(o.owner_id as varchar) as id,
  cast(o.email as varchar) as email,
  cast(o.first_name as varchar) as first_name,
  cast(o.last_name as varchar) as last_name,
  cast(o.type as varchar) as owner_type,
  coalesce(lower(cast(o._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(o._fivetran_synced as timestamp) as fivetran_synced
from owner as o

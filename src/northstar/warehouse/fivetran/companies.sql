-- HubSpot companies (the CRM side of a customer; deals point at them).
select
  cast(c.id as varchar) as id,
  cast(c.property_name as varchar) as name,
  cast(c.property_createdate as timestamp) as create_date,
  cast(c.property_industry as varchar) as industry,
  cast(c.property_country as varchar) as country,
  cast(c.property_hubspot_owner_id as varchar) as hubspot_owner_id,
  cast(o.email as varchar) as owner_email,
  coalesce(lower(cast(c.is_deleted as varchar)) in ('true', 't', '1'), false)
    or coalesce(lower(cast(c._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
    as is_deleted,
  cast(greatest(c._fivetran_synced, o._fivetran_synced) as timestamp) as fivetran_synced
from company as c
left join owner as o on cast(o.owner_id as varchar) = cast(c.property_hubspot_owner_id as varchar)

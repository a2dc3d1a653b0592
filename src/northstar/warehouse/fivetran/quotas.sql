-- Sales quotas from a HubSpot company property: the property named by the project setting
-- `[vars] hubspot_quota_property` (default total_quota), which Fivetran lands as the column
-- company.property_<name> and, each value with the moment it was set, in
-- company_property_history. One row per company and quarter: the value in force at the
-- quarter's end (the newest set before it), for every quarter from the one it was first set
-- in; a company with no history of the property has its current value in every quarter.
-- Quarters: those deals are created or due to close in, those a value was set in, and this one.
-- The seller is the company's owner. Read whole each time (fivetran_synced stays empty): a new
-- quarter brings new rows though nothing in HubSpot changed.
with companies as (
  select c.*,
         coalesce(lower(cast(c.is_deleted as varchar)) in ('true', 't', '1'), false)
           or coalesce(lower(cast(c._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
           as gone
  from company as c
),
history as (
  select cast(h.company_id as varchar) as company_id,
         cast(nullif(trim(cast(h."value" as varchar)), '') as double) as quota,
         cast(h."timestamp" as timestamp) as set_at
  from company_property_history as h
  where cast(h.name as varchar) = '{hubspot_quota_property}'
),
quota_values as (
  select company_id, quota, set_at from history
  union all
  select cast(c.id as varchar) as company_id,
         cast(c."property_{hubspot_quota_property}" as double) as quota,
         cast(null as timestamp) as set_at
  from companies as c
  where cast(c.id as varchar) not in (select company_id from history)
),
quarters as (
  select distinct cast(date_trunc('quarter', cast(d.property_closedate as date)) as date)
    as period_start
  from deal as d where d.property_closedate is not null
  union
  select distinct cast(date_trunc('quarter', cast(d.property_createdate as date)) as date)
  from deal as d where d.property_createdate is not null
  union
  select distinct cast(date_trunc('quarter', set_at) as date) from history
  union
  select cast(date_trunc('quarter', current_date) as date)
),
in_force as (
  select q.period_start, v.company_id, v.quota,
         row_number() over (partition by v.company_id, q.period_start
                            order by v.set_at desc nulls last) as n
  from quarters as q
  join quota_values as v
    on v.set_at is null or v.set_at < q.period_start + interval 3 month
)
select
  v.company_id || '-' || cast(v.period_start as varchar) as id,
  v.company_id,
  v.period_start,
  cast(v.quota as decimal(18, 2)) as quota,
  cast(c.property_hubspot_owner_id as varchar) as hubspot_owner_id,
  cast(o.email as varchar) as owner_email,
  c.gone as is_deleted,
  cast(null as timestamp) as fivetran_synced
from in_force as v
join companies as c on cast(c.id as varchar) = v.company_id
left join owner as o on cast(o.owner_id as varchar) = cast(c.property_hubspot_owner_id as varchar)
where v.n = 1 and v.quota is not null

-- HubSpot deal property history (Fivetran's deal_property_history: one row per version of a
-- deal property, newest and older alike), the `dealstage` and `amount` versions that pipeline
-- coverage reads at the start of each quarter, in the connector's shape. A stage is named as
-- deals.sql names it (a closed stage of any pipeline is closedwon or closedlost) and carries
-- its probability; an amount that is not a plain number has no value. The id is deal,
-- property and the version's time, so a version is kept once however often it is synced.
select
  cast(h.deal_id as varchar) || '-' || cast(h.name as varchar) || '-'
    || cast(cast(h."timestamp" as timestamp) as varchar) as id,
  cast(h.deal_id as varchar) as deal_id,
  cast(h.name as varchar) as property,
  case
    when h.name = 'amount'
      then case when regexp_matches(trim(cast(h."value" as varchar)), '^-?[0-9]+(\.[0-9]+)?$')
                then cast(cast(trim(cast(h."value" as varchar)) as decimal(18, 2)) as varchar)
           end
    when coalesce(lower(cast(s.is_closed as varchar)) in ('true', 't', '1'), false)
         and coalesce(lower(cast(s.closed_won as varchar)) in ('true', 't', '1'), false)
      then 'closedwon'
    when coalesce(lower(cast(s.is_closed as varchar)) in ('true', 't', '1'), false)
      then 'closedlost'
    else cast(h."value" as varchar)
  end as "value",
  cast(h."timestamp" as timestamp) as changed_at,
  cast(h.source as varchar) as source,
  case when h.name = 'dealstage' then cast(s.probability as decimal(5, 2)) end
    as stage_probability,
  false as is_deleted,
  cast(h._fivetran_synced as timestamp) as fivetran_synced
from deal_property_history as h
left join deal_pipeline_stage as s
  on h.name = 'dealstage' and cast(s.stage_id as varchar) = cast(h."value" as varchar)
 and not coalesce(lower(cast(s._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
where h.name in ('dealstage', 'amount')

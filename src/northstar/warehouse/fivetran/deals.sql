-- HubSpot deals with their stage (the deal's own stage, else the active row of the stage
-- history), the stage's probability, the first associated company and contact, the owner's
-- email and the first and last touch source (the deal's own, else its first contact's), as
-- HubSpot names it and in the pack's words.
-- Closed stages are named as HubSpot's default pipeline names them (closedwon, closedlost)
-- whatever pipeline they belong to, so the pack's metrics work for custom pipelines too.
with history as (
  select cast(h.deal_id as varchar) as deal_id, cast(h."value" as varchar) as stage_id,
         h._fivetran_synced,
         row_number() over (partition by h.deal_id order by h._fivetran_start desc) as n
  from deal_stage as h
  where coalesce(lower(cast(h._fivetran_active as varchar)) in ('true', 't', '1'), true)
),
companies as (
  select cast(deal_id as varchar) as deal_id, min(cast(company_id as varchar)) as company_id
  from deal_company
  group by 1
),
contacts as (
  select cast(deal_id as varchar) as deal_id, min(cast(contact_id as varchar)) as contact_id
  from deal_contact
  group by 1
),
deals as (
  select d.*,
         coalesce(cast(d.deal_pipeline_stage_id as varchar), cast(d.property_dealstage as varchar),
                  h.stage_id) as stage_key,
         h._fivetran_synced as stage_synced
  from deal as d
  left join history as h on h.deal_id = cast(d.deal_id as varchar) and h.n = 1
)
select
  cast(d.deal_id as varchar) as id,
  co.company_id,
  cast(d.property_dealname as varchar) as deal_name,
  cast(d.property_amount as decimal(18, 2)) as amount,
  case
    when coalesce(lower(cast(s.is_closed as varchar)) in ('true', 't', '1'), false)
         and coalesce(lower(cast(s.closed_won as varchar)) in ('true', 't', '1'), false)
      then 'closedwon'
    when coalesce(lower(cast(s.is_closed as varchar)) in ('true', 't', '1'), false)
      then 'closedlost'
    else d.stage_key
  end as stage,
  cast(s.label as varchar) as stage_label,
  cast(coalesce(d.deal_pipeline_id, s.pipeline_id) as varchar) as pipeline_id,
  cast(coalesce(d.property_hs_deal_stage_probability, s.probability) as decimal(5, 2))
    as stage_probability,
  cast(d.property_createdate as timestamp) as create_date,
  cast(d.property_closedate as date) as close_date,
  cast(d.owner_id as varchar) as hubspot_owner_id,
  cast(o.email as varchar) as owner_email,
  cast(coalesce(d.property_hs_analytics_source, c.property_hs_analytics_source) as varchar)
    as first_touch_source,
  cast(coalesce(d.property_hs_analytics_latest_source, c.property_hs_latest_source) as varchar)
    as last_touch_source,
  -- HubSpot's source types in the pack's touch words (paid_ads, email, event, referral, ...)
  case upper(cast(coalesce(d.property_hs_analytics_source, c.property_hs_analytics_source) as varchar))
         when 'PAID_SEARCH' then 'paid_ads' when 'PAID_SOCIAL' then 'paid_ads'
         when 'OTHER_CAMPAIGNS' then 'paid_ads' when 'EMAIL_MARKETING' then 'email'
         when 'OFFLINE' then 'event' when 'REFERRALS' then 'referral'
         when 'ORGANIC_SEARCH' then 'organic' when 'SOCIAL_MEDIA' then 'social'
         when 'DIRECT_TRAFFIC' then 'direct' else lower(cast(coalesce(d.property_hs_analytics_source, c.property_hs_analytics_source) as varchar)) end as first_touch,
  case upper(cast(coalesce(d.property_hs_analytics_latest_source, c.property_hs_latest_source) as varchar))
         when 'PAID_SEARCH' then 'paid_ads' when 'PAID_SOCIAL' then 'paid_ads'
         when 'OTHER_CAMPAIGNS' then 'paid_ads' when 'EMAIL_MARKETING' then 'email'
         when 'OFFLINE' then 'event' when 'REFERRALS' then 'referral'
         when 'ORGANIC_SEARCH' then 'organic' when 'SOCIAL_MEDIA' then 'social'
         when 'DIRECT_TRAFFIC' then 'direct' else lower(cast(coalesce(d.property_hs_analytics_latest_source, c.property_hs_latest_source) as varchar)) end as last_touch,
  cast(c.property_utm_source as varchar) as touch_utm_source,
  cast(c.property_utm_medium as varchar) as touch_utm_medium,
  cast(c.property_utm_campaign as varchar) as touch_utm_campaign,
  coalesce(lower(cast(d.is_deleted as varchar)) in ('true', 't', '1'), false)
    or coalesce(lower(cast(d._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
    as is_deleted,
  -- A deal table without _fivetran_synced has no cursor: every row is compared instead.
  cast(case when d._fivetran_synced is not null
            then greatest(d._fivetran_synced, d.stage_synced, s._fivetran_synced,
                          o._fivetran_synced, c._fivetran_synced) end as timestamp)
    as fivetran_synced
from deals as d
left join deal_pipeline_stage as s
  on cast(s.stage_id as varchar) = d.stage_key
 and not coalesce(lower(cast(s._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
left join companies as co on co.deal_id = cast(d.deal_id as varchar)
left join contacts as dc on dc.deal_id = cast(d.deal_id as varchar)
left join contact as c on cast(c.id as varchar) = dc.contact_id
left join owner as o on cast(o.owner_id as varchar) = cast(d.owner_id as varchar)

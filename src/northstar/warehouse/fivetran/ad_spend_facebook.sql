-- Facebook Ads spend per campaign and day, from Fivetran's Facebook Ads schema: the basic_ad
-- report (one row per ad and day: spend, inline_link_clicks, impressions) summed over each
-- campaign's ads, the campaign from the ad's newest ad_history row, its name from the newest
-- campaign_history row, and leads from basic_ad_actions (action_type 'lead', Facebook's total
-- of on-Facebook and pixel leads, so its parts are not counted twice).
with ads as (
  select cast(id as varchar) as ad_id, cast(campaign_id as varchar) as campaign_id,
         row_number() over (partition by id order by updated_time desc) as n
  from ad_history
),
campaigns as (
  select cast(id as varchar) as campaign_id, cast(name as varchar) as campaign_name,
         row_number() over (partition by id order by updated_time desc) as n
  from campaign_history
),
leads as (
  select cast(ad_id as varchar) as ad_id, cast("date" as date) as spend_date,
         sum("value") as leads, max(_fivetran_synced) as synced
  from basic_ad_actions
  where lower(cast(action_type as varchar)) = 'lead'
  group by 1, 2
),
daily as (
  select coalesce(a.campaign_id, 'unknown') as campaign_id, cast(b."date" as date) as spend_date,
         sum(b.spend) as spend, sum(b.inline_link_clicks) as clicks,
         sum(b.impressions) as impressions, sum(l.leads) as leads,
         max(greatest(b._fivetran_synced, l.synced)) as synced
  from basic_ad as b
  left join ads as a on a.ad_id = cast(b.ad_id as varchar) and a.n = 1
  left join leads as l on l.ad_id = cast(b.ad_id as varchar)
                      and l.spend_date = cast(b."date" as date)
  group by 1, 2
)
select
  'facebook-' || d.campaign_id || '-' || cast(d.spend_date as varchar) as id,
  d.spend_date,
  'facebook' as channel,
  d.campaign_id,
  coalesce(c.campaign_name, d.campaign_id) as campaign,
  cast(cast(d.spend as decimal(18, 6)) as decimal(18, 2)) as spend,
  cast(coalesce(d.clicks, 0) as bigint) as clicks,
  cast(coalesce(d.impressions, 0) as bigint) as impressions,
  cast(floor(coalesce(d.leads, 0) + 0.5) as bigint) as leads,  -- half up on every engine
  cast(d.synced as timestamp) as fivetran_synced
from daily as d
left join campaigns as c on c.campaign_id = d.campaign_id and c.n = 1

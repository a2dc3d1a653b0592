-- Google Ads spend per campaign and day, from Fivetran's Google Ads schema: campaign_stats
-- (one row per campaign, day, ad network and device; cost in micros) summed per campaign and
-- day, leads being Google's conversions (rounded to whole leads a day), the campaign's name
-- from its newest campaign_history row.
with campaigns as (
  select cast(id as varchar) as campaign_id, cast(name as varchar) as campaign_name,
         row_number() over (partition by id order by updated_at desc) as n
  from campaign_history
),
daily as (
  select cast(s.id as varchar) as campaign_id, cast(s."date" as date) as spend_date,
         sum(s.cost_micros) / 1000000.0 as spend, sum(s.clicks) as clicks,
         sum(s.impressions) as impressions, sum(s.conversions) as leads,
         max(s._fivetran_synced) as synced
  from campaign_stats as s
  group by 1, 2
)
select
  'google-' || d.campaign_id || '-' || cast(d.spend_date as varchar) as id,
  d.spend_date,
  'google' as channel,
  d.campaign_id,
  coalesce(c.campaign_name, d.campaign_id) as campaign,
  cast(cast(d.spend as decimal(18, 6)) as decimal(18, 2)) as spend,
  cast(coalesce(d.clicks, 0) as bigint) as clicks,
  cast(coalesce(d.impressions, 0) as bigint) as impressions,
  cast(floor(coalesce(d.leads, 0) + 0.5) as bigint) as leads,  -- half up on every engine
  cast(d.synced as timestamp) as fivetran_synced
from daily as d
left join campaigns as c on c.campaign_id = d.campaign_id and c.n = 1

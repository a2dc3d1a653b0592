-- Paid media, one row per campaign and day, from both ad platforms: Meta's campaign insights
-- and Google Ads' campaign stats (YouTube is Google Ads' VIDEO channel). `channel` is meta,
-- youtube, google_search or google_ plus Google Ads' channel type in lower case (google_display,
-- google_performance_max...). spend is what the platform reports for the day, in the account's
-- currency (Meta's spend, Google Ads' cost). The video counts are Meta's: 3-second views,
-- ThruPlays (15 seconds or the whole video) and video plays; is_video marks a Meta campaign's
-- day that played video, whose impressions are what hook rate divides by. YouTube's own view
-- count (a view of 30 seconds, or the whole ad if shorter) is kept apart as youtube_views.
-- Every row keeps its tags (funnel, UTM source, medium and campaign).
select m.id as row_id, m.date, 'meta' as platform, 'meta' as channel, m.campaign_id,
       m.campaign_name, m.spend, m.impressions, m.clicks, cast(m.leads as decimal(18, 2)) as platform_leads,
       m.video_plays, m.video_3s_views as three_second_views, m.thruplays,
       coalesce(m.video_plays, 0) > 0 or coalesce(m.video_3s_views, 0) > 0 as is_video,
       cast(0 as bigint) as youtube_views,
       {{ tags('m') }}
from meta_campaign_insights as m
union all
select g.id, g.date, 'google_ads',
       case when g.channel_type = 'VIDEO' then 'youtube'
            when g.channel_type = 'SEARCH' then 'google_search'
            else 'google_' || lower(coalesce(g.channel_type, 'unknown')) end,
       g.campaign_id, g.campaign_name, g.cost, g.impressions, g.clicks,
       cast(g.conversions as decimal(18, 2)), cast(0 as bigint), cast(0 as bigint), cast(0 as bigint),
       false, coalesce(g.video_views, 0),
       {{ tags('g') }}
from gads_campaign_stats as g

-- ad_spend (model) on duckdb: scripts/golden_sql.py
/* Paid media, one row per campaign and day, from both ad platforms: Meta's campaign insights */
/* and Google Ads' campaign stats (YouTube is Google Ads' VIDEO channel). `channel` is meta, */
/* youtube, google_search or google_ plus Google Ads' channel type in lower case (google_display, */
/* google_performance_max...). spend is what the platform reports for the day, in the account's */
/* currency (Meta's spend, Google Ads' cost). The video counts are Meta's: 3-second views, */
/* ThruPlays (15 seconds or the whole video) and video plays; is_video marks a Meta campaign's */
/* day that played video, whose impressions are what hook rate divides by. YouTube's own view */
/* count (a view of 30 seconds, or the whole ad if shorter) is kept apart as youtube_views. */
/* Every row keeps its tags (funnel, UTM source, medium and campaign). */
SELECT
  m.id AS row_id,
  m.date,
  'meta' AS platform,
  'meta' AS channel,
  m.campaign_id,
  m.campaign_name,
  m.spend,
  m.impressions,
  m.clicks,
  CAST(m.leads AS DECIMAL(18, 2)) AS platform_leads,
  m.video_plays,
  m.video_3s_views AS three_second_views,
  m.thruplays,
  COALESCE(m.video_plays, 0) > 0 OR COALESCE(m.video_3s_views, 0) > 0 AS is_video,
  CAST(0 AS BIGINT) AS youtube_views,
  m.department,
  m.team,
  m.owner_id,
  m.client_id,
  m.source_funnel,
  m.utm_source,
  m.utm_medium,
  m.utm_campaign
FROM meta_campaign_insights AS m
UNION ALL
SELECT
  g.id,
  g.date,
  'google_ads',
  CASE
    WHEN g.channel_type = 'VIDEO'
    THEN 'youtube'
    WHEN g.channel_type = 'SEARCH'
    THEN 'google_search'
    ELSE 'google_' || LOWER(COALESCE(g.channel_type, 'unknown'))
  END,
  g.campaign_id,
  g.campaign_name,
  g.cost,
  g.impressions,
  g.clicks,
  CAST(g.conversions AS DECIMAL(18, 2)),
  CAST(0 AS BIGINT),
  CAST(0 AS BIGINT),
  CAST(0 AS BIGINT),
  FALSE,
  COALESCE(g.video_views, 0),
  g.department,
  g.team,
  g.owner_id,
  g.client_id,
  g.source_funnel,
  g.utm_source,
  g.utm_medium,
  g.utm_campaign
FROM gads_campaign_stats AS g;

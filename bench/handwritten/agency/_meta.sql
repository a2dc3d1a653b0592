-- Meta's campaign insights by month (a fragment): 3-second views, ThruPlays, and the
-- impressions of the campaign-days that played video (image ads left out).
meta AS (
  SELECT CAST(date_trunc('month', date) AS DATE) AS month, sum(video_3s_views) AS views,
         sum(thruplays) AS thruplays,
         sum(impressions) FILTER (WHERE coalesce(video_plays, 0) > 0
                                     OR coalesce(video_3s_views, 0) > 0) AS video_impressions
  FROM raw_meta_campaign_insights
  WHERE date >= $start AND date < $end
  GROUP BY 1
),

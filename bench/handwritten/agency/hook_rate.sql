-- Hook rate by month: Meta's 3-second video views over the impressions of Meta's campaign-days
-- that played video.
WITH meta AS (
  SELECT CAST(date_trunc('month', date) AS DATE) AS month, sum(video_3s_views) AS views,
         sum(impressions) FILTER (WHERE coalesce(video_plays, 0) > 0
                                     OR coalesce(video_3s_views, 0) > 0) AS video_impressions
  FROM raw_meta_campaign_insights
  WHERE date >= $start AND date < $end
  GROUP BY 1
)
SELECT strftime(month, '%Y-%m') AS period, views / nullif(video_impressions, 0) AS value
FROM meta

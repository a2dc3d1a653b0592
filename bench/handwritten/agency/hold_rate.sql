-- Hold rate by month: Meta's ThruPlays over its 3-second video views.
SELECT strftime(date_trunc('month', date), '%Y-%m') AS period,
       sum(thruplays) / nullif(sum(video_3s_views), 0) AS value
FROM raw_meta_campaign_insights
WHERE date >= $start AND date < $end
GROUP BY 1

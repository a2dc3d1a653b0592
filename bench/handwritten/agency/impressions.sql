-- Impressions by month: times the ads were shown, Meta's and Google Ads' together.
SELECT strftime(date_trunc('month', date), '%Y-%m') AS period, sum(impressions) AS value
FROM (SELECT date, impressions FROM raw_meta_campaign_insights
      UNION ALL
      SELECT date, impressions FROM raw_gads_campaign_stats) AS a
WHERE date >= $start AND date < $end
GROUP BY 1

-- Ad spend by month (a fragment the agency's queries include): Meta's spend plus Google Ads'
-- cost (YouTube and Search), every campaign's day.
spend AS (
  SELECT CAST(date_trunc('month', date) AS DATE) AS month, sum(spend) AS spend
  FROM (SELECT date, spend FROM raw_meta_campaign_insights
        UNION ALL
        SELECT date, cost FROM raw_gads_campaign_stats) AS s
  WHERE date >= $start AND date < $end
  GROUP BY 1
),

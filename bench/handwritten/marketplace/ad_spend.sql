-- Ad spend by spend month. Target: 0.45% of the GMV of the twelve months ending with the
-- month, times the month's share of a 365-day year (a target even in a month with no spend).
WITH months AS (
  SELECT CAST(month AS DATE) AS month
  FROM range(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP), INTERVAL 1 MONTH) AS t(month)
),
spend AS (
  SELECT date_trunc('month', spend_date) AS month, sum(spend) AS spend
  FROM raw_ad_spend
  WHERE spend_date >= $start AND spend_date < $end
  GROUP BY 1
),
gmv AS (
  SELECT date_trunc('month', txn_date) AS month, sum(amount) AS gmv
  FROM raw_invoice_lines
  WHERE account_number BETWEEN '4110' AND '4169'
    AND txn_date >= $start - INTERVAL 11 MONTH AND txn_date < $end
  GROUP BY 1
),
budget AS (
  SELECT m.month,
         0.0045 * sum(g.gmv) * (CAST(m.month + INTERVAL 1 MONTH AS DATE) - m.month) / 365.0
         AS budget
  FROM months AS m
  JOIN gmv AS g ON g.month > m.month - INTERVAL 12 MONTH AND g.month <= m.month
  GROUP BY m.month
)
SELECT strftime(m.month, '%Y-%m') AS period, s.spend AS value, b.budget AS target
FROM months AS m
LEFT JOIN spend AS s ON s.month = m.month
LEFT JOIN budget AS b ON b.month = m.month

-- Finance's monthly figures (a fragment): EBITDA and the cash plan, items compared in lower case
-- without surrounding blanks.
finance AS (
  SELECT CAST(month AS DATE) AS month,
         sum(value) FILTER (WHERE lower(trim(item)) = 'ebitda') AS ebitda,
         sum(value) FILTER (WHERE lower(trim(item)) = 'cash_plan') AS cash_plan
  FROM raw_finance_snapshots
  WHERE month >= $start AND month < $end
  GROUP BY 1
),

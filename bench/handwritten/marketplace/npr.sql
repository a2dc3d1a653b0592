-- Net payouts (bills less vendor credits on 4200-4230) this year over the year before.
WITH yearly AS (
  SELECT year(txn_date) AS year, sum(amount) AS payouts
  FROM (
    SELECT txn_date, amount FROM raw_bill_lines
    WHERE account_number BETWEEN '4200' AND '4230'
    UNION ALL
    SELECT txn_date, -amount FROM raw_vendor_credit_lines
    WHERE account_number BETWEEN '4200' AND '4230'
  ) AS payouts
  WHERE txn_date >= $start - INTERVAL 1 YEAR AND txn_date < $end
  GROUP BY 1
)
SELECT CAST(cur.year AS VARCHAR) AS period, cur.payouts / nullif(prior.payouts, 0) AS value
FROM yearly AS cur
LEFT JOIN yearly AS prior ON prior.year = cur.year - 1
WHERE cur.year >= year($start)

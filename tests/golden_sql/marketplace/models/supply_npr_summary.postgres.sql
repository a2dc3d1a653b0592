-- supply_npr_summary (model) on postgres: scripts/golden_sql.py
/* Net payout retention by year, matched to the P&L: gross organiser bills and vendor credits on */
/* accounts 4200-4230, net payouts (bills - vendor credits) and NPR (net payouts / the prior */
/* year's). Read straight from the accounting lines, linked to a supplier or not. */
WITH bills AS (
  SELECT
    CAST(EXTRACT(YEAR FROM txn_date) AS INT) AS year,
    SUM(amount) AS gross_bills
  FROM bill_lines
  WHERE
    account_number BETWEEN '4200' AND '4230'
  GROUP BY
    1
), credits AS (
  SELECT
    CAST(EXTRACT(YEAR FROM txn_date) AS INT) AS year,
    SUM(amount) AS vendor_credits
  FROM vendor_credit_lines
  WHERE
    account_number BETWEEN '4200' AND '4230'
  GROUP BY
    1
), yearly AS (
  SELECT
    COALESCE(b.year, c.year) AS year,
    COALESCE(b.gross_bills, 0) AS gross_bills,
    COALESCE(c.vendor_credits, 0) AS vendor_credits
  FROM bills AS b
  FULL OUTER JOIN credits AS c
    ON c.year = b.year
)
SELECT
  year,
  gross_bills,
  vendor_credits,
  gross_bills - vendor_credits AS net_payouts,
  CAST(gross_bills - vendor_credits AS DOUBLE PRECISION) / NULLIF(
    CAST(LAG(gross_bills - vendor_credits) OVER (ORDER BY year) AS DOUBLE PRECISION),
    0
  ) AS npr
FROM yearly;

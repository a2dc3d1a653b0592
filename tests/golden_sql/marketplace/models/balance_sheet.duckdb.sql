-- balance_sheet (model) on duckdb: scripts/golden_sql.py
/* The balance sheet built from the books, at the end of every month from the first posting to */
/* the last: each balance sheet account's balance (what was posted to it up to the month's end), */
/* in its own sign (assets debit positive, liabilities and equity credit positive), and the */
/* profit or loss to date as the equity line "Retained earnings (from the P&L)". A posting */
/* without a date or without a known account is left out. */
WITH months AS (
  SELECT
    CAST(s.period_start AS DATE) AS period_start,
    CAST(s.period_start + INTERVAL '1' MONTH AS DATE) AS period_end
  FROM GENERATE_SERIES(
    CAST(DATE_TRUNC('MONTH', (
      SELECT
        MIN(txn_date)
      FROM gl_entries
    )) AS TIMESTAMP),
    CAST((
      SELECT
        MAX(txn_date)
      FROM gl_entries
    ) AS TIMESTAMP),
    INTERVAL '1' MONTH
  ) AS s(period_start)
), lines AS (
  SELECT
    m.period_start AS month,
    e.account_id,
    e.account_number,
    e.account_name,
    e.account_type,
    e.classification,
    CASE WHEN e.classification = 'Asset' THEN e.amount ELSE -e.amount END AS amount
  FROM months AS m
  JOIN gl_entries AS e
    ON e.txn_date < m.period_end
  WHERE
    e.classification IN ('Asset', 'Liability', 'Equity')
  UNION ALL
  SELECT
    m.period_start,
    CAST(NULL AS TEXT),
    CAST(NULL AS TEXT),
    'Retained earnings (from the P&L)',
    'Equity',
    'Equity',
    -e.amount
  FROM months AS m
  JOIN gl_entries AS e
    ON e.txn_date < m.period_end
  WHERE
    e.classification IN ('Revenue', 'Expense')
)
SELECT
  month,
  account_id,
  account_number,
  account_name,
  account_type,
  classification,
  CAST(SUM(amount) AS DECIMAL(18, 2)) AS balance
FROM lines
GROUP BY
  month,
  account_id,
  account_number,
  account_name,
  account_type,
  classification;

-- bill_reconciliation (model) on spark: scripts/golden_sql.py
/* Organiser payments where the platform's remittances and the accounting system's bills */
/* disagree: a remittance whose bill is not in the books, or whose amount differs from the bill. */
/* (Bills with no remittance at all are the unlinked payouts, tracked on their own.) */
/* difference = accounting - platform. Remittances name a bill by its Bill # (doc_number in the */
/* books, or a bill without one by its id), so bill_id here is that number. */
WITH books AS (
  SELECT
    COALESCE(MIN(doc_number), bill_id) AS bill_number,
    MIN(txn_date) AS txn_date,
    SUM(amount) AS total
  FROM bill_lines
  GROUP BY
    bill_id
), remitted AS (
  SELECT
    bill_id,
    MIN(remitted_date) AS remitted_date,
    SUM(amount) AS total
  FROM remittance_lines
  GROUP BY
    bill_id
)
SELECT
  r.bill_id,
  COALESCE(b.txn_date, r.remitted_date) AS bill_date,
  b.total AS accounting_total,
  r.total AS platform_total,
  COALESCE(b.total, 0) - r.total AS difference,
  CASE
    WHEN b.bill_number IS NULL
    THEN 'missing in accounting'
    ELSE 'amounts differ'
  END AS issue
FROM remitted AS r
LEFT JOIN books AS b
  ON b.bill_number = r.bill_id
WHERE
  b.bill_number IS NULL OR b.total <> r.total;

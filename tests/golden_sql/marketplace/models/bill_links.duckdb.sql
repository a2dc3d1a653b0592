-- bill_links (model) on duckdb: scripts/golden_sql.py
/* Each bill of the books with every platform organisation its remittances pay, and how much. */
/* The platform's remittances carry the Bill # (doc_number in the books, e.g. B-30002), not the */
/* accounting system's internal bill id, so a bill is linked when its Bill # is found in */
/* remittance_lines (seed 004: "Linked = Bill # found in remittance_line_items"), and a bill the */
/* books give no number is looked up by its id. A bill no remittance names has no row here (it */
/* is unlinked). supplier_payouts keeps, for a split bill, the organisation remitted the most. */
WITH numbers AS (
  SELECT
    bill_id,
    COALESCE(MIN(doc_number), bill_id) AS bill_number
  FROM bill_lines
  GROUP BY
    bill_id
)
SELECT
  n.bill_id,
  n.bill_number,
  r.supplier_id,
  SUM(r.amount) AS remitted
FROM numbers AS n
JOIN remittance_lines AS r
  ON r.bill_id = n.bill_number
WHERE
  NOT r.supplier_id IS NULL
GROUP BY
  1,
  2,
  3;

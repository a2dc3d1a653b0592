-- gl_entries (model) on postgres: scripts/golden_sql.py
/* The general ledger: one row per posting, from invoices, credit memos, bills, vendor credits, */
/* payments, bill payments, journal entries, deposits and purchases (gl_postings), with the */
/* account's number, name, type and classification. amount is signed (debit positive, credit */
/* negative), and debit and credit give it as the two columns an accountant reads. A posting whose */
/* account the chart of accounts does not hold keeps a blank classification: it reaches neither */
/* the P&L nor the balance sheet. */
SELECT
  p.id,
  p.source_type,
  p.source_id,
  p.txn_date,
  CAST(DATE_TRUNC('MONTH', p.txn_date) AS DATE) AS month,
  p.account_id,
  COALESCE(p.account_number, a.account_number) AS account_number,
  a.account_name,
  a.account_type,
  a.classification,
  p.amount,
  CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END AS debit,
  CASE WHEN p.amount < 0 THEN -p.amount ELSE 0 END AS credit,
  p.party_id
FROM gl_postings AS p
LEFT JOIN ledger_accounts AS a
  ON a.account_id = p.account_id;

-- gl_postings (model) on duckdb: scripts/golden_sql.py
SELECT
  *
FROM (
  /* each accounting document posts its lines and their other side, so every document balances. */
  /* Amounts are signed: a debit is positive, a credit negative. The other side of a sale or a */
  /* credit memo is Accounts Receivable, of a bill or a vendor credit Accounts Payable (the */
  /* company's first account of that type), and a payment goes to its deposit account, else to */
  /* Undeposited Funds. Each part needs its tables: a kind of document not loaded is left out. */
  /* (line_and_other_side: macros/ledger.sql) */
  WITH other_side AS (
    SELECT
      MIN(account_id) AS account_id
    FROM ledger_accounts
    WHERE
      account_type = 'Accounts Receivable'
  )
  SELECT
    'invoice' AS source_type,
    l.invoice_id AS source_id,
    l.id || ':line' AS id,
    l.txn_date,
    l.account_id,
    l.account_number,
    CAST(-l.amount AS DECIMAL(18, 2)) AS amount,
    l.customer_id AS party_id
  FROM invoice_lines AS l
  /* The general ledger's postings before the chart of accounts is joined (gl_entries reads this): */
  UNION ALL
  SELECT
    'invoice',
    l.invoice_id,
    l.id || ':other',
    l.txn_date,
    o.account_id,
    CAST(NULL AS TEXT),
    CAST(l.amount AS DECIMAL(18, 2)),
    l.customer_id
  FROM invoice_lines AS l
  CROSS JOIN other_side AS o
) AS ns_part0
UNION ALL
SELECT
  *
FROM (
  WITH other_side AS (
    SELECT
      MIN(account_id) AS account_id
    FROM ledger_accounts
    WHERE
      account_type = 'Accounts Receivable'
  )
  SELECT
    'credit_memo' AS source_type,
    l.credit_memo_id AS source_id,
    l.id || ':line' AS id,
    l.txn_date,
    l.account_id,
    l.account_number,
    CAST(l.amount AS DECIMAL(18, 2)) AS amount,
    l.customer_id AS party_id
  FROM credit_memo_lines AS l
  UNION ALL
  SELECT
    'credit_memo',
    l.credit_memo_id,
    l.id || ':other',
    l.txn_date,
    o.account_id,
    CAST(NULL AS TEXT),
    CAST(-l.amount AS DECIMAL(18, 2)),
    l.customer_id
  FROM credit_memo_lines AS l
  CROSS JOIN other_side AS o
) AS ns_part1
UNION ALL
SELECT
  *
FROM (
  WITH other_side AS (
    SELECT
      MIN(account_id) AS account_id
    FROM ledger_accounts
    WHERE
      account_type = 'Accounts Payable'
  )
  SELECT
    'bill' AS source_type,
    l.bill_id AS source_id,
    l.id || ':line' AS id,
    l.txn_date,
    l.account_id,
    l.account_number,
    CAST(l.amount AS DECIMAL(18, 2)) AS amount,
    l.supplier_id AS party_id
  FROM bill_lines AS l
  UNION ALL
  SELECT
    'bill',
    l.bill_id,
    l.id || ':other',
    l.txn_date,
    o.account_id,
    CAST(NULL AS TEXT),
    CAST(-l.amount AS DECIMAL(18, 2)),
    l.supplier_id
  FROM bill_lines AS l
  CROSS JOIN other_side AS o
) AS ns_part2
UNION ALL
SELECT
  *
FROM (
  WITH other_side AS (
    SELECT
      MIN(account_id) AS account_id
    FROM ledger_accounts
    WHERE
      account_type = 'Accounts Payable'
  )
  SELECT
    'vendor_credit' AS source_type,
    l.vendor_credit_id AS source_id,
    l.id || ':line' AS id,
    l.txn_date,
    l.account_id,
    l.account_number,
    CAST(-l.amount AS DECIMAL(18, 2)) AS amount,
    l.supplier_id AS party_id
  FROM vendor_credit_lines AS l
  UNION ALL
  SELECT
    'vendor_credit',
    l.vendor_credit_id,
    l.id || ':other',
    l.txn_date,
    o.account_id,
    CAST(NULL AS TEXT),
    CAST(l.amount AS DECIMAL(18, 2)),
    l.supplier_id
  FROM vendor_credit_lines AS l
  CROSS JOIN other_side AS o
) AS ns_part3
UNION ALL
SELECT
  *
FROM (
  WITH ar AS (
    SELECT
      MIN(account_id) AS account_id
    FROM ledger_accounts
    WHERE
      account_type = 'Accounts Receivable'
  ), undeposited AS (
    SELECT
      MIN(account_id) AS account_id
    FROM ledger_accounts
    WHERE
      account_sub_type = 'UndepositedFunds'
  )
  SELECT
    'payment' AS source_type,
    p.payment_id AS source_id,
    p.id || ':ar' AS id,
    p.payment_date AS txn_date,
    ar.account_id,
    CAST(NULL AS TEXT) AS account_number,
    CAST(-p.amount AS DECIMAL(18, 2)) AS amount,
    p.customer_id AS party_id
  FROM payments AS p
  CROSS JOIN ar
  UNION ALL
  SELECT
    'payment',
    p.payment_id,
    p.id || ':deposit',
    p.payment_date,
    COALESCE(p.account_id, u.account_id),
    CAST(NULL AS TEXT),
    CAST(p.amount AS DECIMAL(18, 2)),
    p.customer_id
  FROM payments AS p
  CROSS JOIN undeposited AS u
) AS ns_part4
UNION ALL
SELECT
  *
FROM (
  WITH ap AS (
    SELECT
      MIN(account_id) AS account_id
    FROM ledger_accounts
    WHERE
      account_type = 'Accounts Payable'
  )
  SELECT
    'bill_payment' AS source_type,
    p.bill_payment_id AS source_id,
    p.id || ':ap' AS id,
    p.payment_date AS txn_date,
    ap.account_id,
    CAST(NULL AS TEXT) AS account_number,
    CAST(p.amount AS DECIMAL(18, 2)) AS amount,
    p.supplier_id AS party_id
  FROM bill_payments AS p
  CROSS JOIN ap
  UNION ALL
  SELECT
    'bill_payment',
    p.bill_payment_id,
    p.id || ':bank',
    p.payment_date,
    p.account_id,
    CAST(NULL AS TEXT),
    CAST(-p.amount AS DECIMAL(18, 2)),
    p.supplier_id
  FROM bill_payments AS p
) AS ns_part5
UNION ALL
SELECT
  *
FROM (
  SELECT
    'journal_entry' AS source_type,
    l.journal_entry_id AS source_id,
    l.id || ':line' AS id,
    l.txn_date,
    l.account_id,
    l.account_number,
    CAST(CASE WHEN LOWER(l.posting_type) = 'credit' THEN -l.amount ELSE l.amount END AS DECIMAL(18, 2)) AS amount,
    CAST(NULL AS TEXT) AS party_id
  FROM journal_entry_lines AS l
) AS ns_part6
UNION ALL
SELECT
  *
FROM (
  WITH undeposited AS (
    SELECT
      MIN(account_id) AS account_id
    FROM ledger_accounts
    WHERE
      account_sub_type = 'UndepositedFunds'
  )
  SELECT
    'deposit' AS source_type,
    l.deposit_id AS source_id,
    l.id || ':bank' AS id,
    l.txn_date,
    l.deposit_account_id AS account_id,
    CAST(NULL AS TEXT) AS account_number,
    CAST(l.amount AS DECIMAL(18, 2)) AS amount,
    CAST(NULL AS TEXT) AS party_id
  FROM deposit_lines AS l
  UNION ALL
  SELECT
    'deposit',
    l.deposit_id,
    l.id || ':line',
    l.txn_date,
    COALESCE(l.account_id, u.account_id),
    l.account_number,
    CAST(-l.amount AS DECIMAL(18, 2)),
    CAST(NULL AS TEXT)
  FROM deposit_lines AS l
  CROSS JOIN undeposited AS u
) AS ns_part7
UNION ALL
SELECT
  *
FROM (
  SELECT
    'purchase' AS source_type,
    l.purchase_id AS source_id,
    l.id || ':line' AS id,
    l.txn_date,
    l.account_id,
    l.account_number,
    CAST(CASE WHEN l.is_credit THEN -l.amount ELSE l.amount END AS DECIMAL(18, 2)) AS amount,
    l.supplier_id AS party_id
  FROM purchase_lines AS l
  UNION ALL
  SELECT
    'purchase',
    l.purchase_id,
    l.id || ':paid',
    l.txn_date,
    l.payment_account_id,
    CAST(NULL AS TEXT),
    CAST(CASE WHEN l.is_credit THEN l.amount ELSE -l.amount END AS DECIMAL(18, 2)),
    l.supplier_id
  FROM purchase_lines AS l
) AS ns_part8;

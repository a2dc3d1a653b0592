-- ledger_accounts (model) on spark: scripts/golden_sql.py
/* The chart of accounts as the general ledger reads it (QuickBooks' accounts, from the */
/* connector or Fivetran's `account` table): each account's number, name, type and */
/* classification (Asset, Liability, Equity, Revenue, Expense, derived from the type where */
/* QuickBooks left it blank), and where it sits on the balance sheet. */
WITH accounts AS (
  SELECT
    id,
    acct_num,
    name,
    account_type,
    account_sub_type,
    COALESCE(
      classification,
      CASE
        WHEN account_type IN (
          'Bank',
          'Accounts Receivable',
          'Other Current Asset',
          'Fixed Asset',
          'Other Asset'
        )
        THEN 'Asset'
        WHEN account_type IN (
          'Accounts Payable',
          'Credit Card',
          'Other Current Liability',
          'Long Term Liability'
        )
        THEN 'Liability'
        WHEN account_type = 'Equity'
        THEN 'Equity'
        WHEN account_type IN ('Income', 'Other Income')
        THEN 'Revenue'
        WHEN account_type IN ('Expense', 'Other Expense', 'Cost of Goods Sold')
        THEN 'Expense'
      END
    ) AS classification
  FROM qbo_accounts
)
SELECT
  CAST(id AS STRING) AS account_id,
  CAST(acct_num AS STRING) AS account_number,
  CAST(name AS STRING) AS account_name,
  account_type,
  account_sub_type,
  classification,
  classification IN ('Revenue', 'Expense') AS is_pnl,
  account_type = 'Bank' AS is_cash,
  account_type IN ('Bank', 'Accounts Receivable', 'Other Current Asset') AS is_current_asset,
  account_type IN ('Accounts Payable', 'Credit Card', 'Other Current Liability') AS is_current_liability
FROM accounts;

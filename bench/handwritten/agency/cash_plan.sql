-- The cash plan by month, as finance enters it.
WITH
-- include: _finance.sql
SELECT strftime(month, '%Y-%m') AS period, cash_plan AS value FROM finance

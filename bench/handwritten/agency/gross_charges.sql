-- Gross charges by local month: Stripe's charges that succeeded, their captured amount.
WITH
-- include: _cash.sql
SELECT strftime(month, '%Y-%m') AS period, gross_charges AS value FROM cash
WHERE month >= $start AND month < $end

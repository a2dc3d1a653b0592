-- The value of the deals won by local month (GoHighLevel's, signed, not collected).
WITH
-- include: _deals.sql
SELECT strftime(month, '%Y-%m') AS period, value FROM won
WHERE month >= $start AND month < $end

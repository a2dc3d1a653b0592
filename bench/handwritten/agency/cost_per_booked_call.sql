-- Cost per booked call by month: ad spend over the triage calls booked in the month.
WITH
-- include: _spend.sql
-- include: _calls.sql
booked AS (SELECT booked_month AS month, count(*) AS n FROM calls WHERE kind = 'triage' GROUP BY 1)
SELECT strftime(s.month, '%Y-%m') AS period, s.spend / nullif(b.n, 0) AS value
FROM spend AS s JOIN booked AS b ON b.month = s.month

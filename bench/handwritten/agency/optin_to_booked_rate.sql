-- The funnel's first step by month: triage calls booked over opt-ins.
WITH
-- include: _calls.sql
-- include: _opt_ins.sql
booked AS (SELECT booked_month AS month, count(*) AS n FROM calls WHERE kind = 'triage' GROUP BY 1)
SELECT strftime(o.month, '%Y-%m') AS period, coalesce(b.n, 0) / nullif(o.opt_ins, 0) AS value
FROM opt_ins AS o LEFT JOIN booked AS b ON b.month = o.month

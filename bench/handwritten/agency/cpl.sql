-- CPL by month: ad spend over GA4's opt-in events (every opt-in, organic ones too).
WITH
-- include: _spend.sql
-- include: _opt_ins.sql
SELECT strftime(s.month, '%Y-%m') AS period, s.spend / nullif(o.opt_ins, 0) AS value
FROM spend AS s JOIN opt_ins AS o ON o.month = s.month

-- Opt-ins by month: GA4's opt_in events.
WITH
-- include: _opt_ins.sql
SELECT strftime(month, '%Y-%m') AS period, opt_ins AS value FROM opt_ins

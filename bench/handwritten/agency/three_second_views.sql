-- By month: Meta's 3-second video views.
WITH
-- include: _meta.sql
SELECT strftime(month, '%Y-%m') AS period, views AS value FROM meta

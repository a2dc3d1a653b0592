-- Hold rate by month: Meta's ThruPlays over its 3-second video views.
WITH
-- include: _meta.sql
SELECT strftime(month, '%Y-%m') AS period, thruplays / nullif(views, 0) AS value FROM meta

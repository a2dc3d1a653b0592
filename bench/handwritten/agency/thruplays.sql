-- By month: Meta's ThruPlays (plays to the end or 15 seconds).
WITH
-- include: _meta.sql
SELECT strftime(month, '%Y-%m') AS period, thruplays AS value FROM meta

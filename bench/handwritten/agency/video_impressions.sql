-- By month: the impressions of Meta's campaign-days that played video.
WITH
-- include: _meta.sql
SELECT strftime(month, '%Y-%m') AS period, video_impressions AS value FROM meta

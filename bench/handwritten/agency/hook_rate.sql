-- Hook rate by month: Meta's 3-second video views over the impressions of its video ads.
WITH
-- include: _meta.sql
SELECT strftime(month, '%Y-%m') AS period, views / nullif(video_impressions, 0) AS value
FROM meta

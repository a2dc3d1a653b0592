-- Ad spend by month: Meta's spend plus Google Ads' cost, every campaign's day.
WITH
-- include: _spend.sql
SELECT strftime(month, '%Y-%m') AS period, spend AS value FROM spend

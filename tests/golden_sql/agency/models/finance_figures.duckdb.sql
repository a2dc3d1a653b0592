-- finance_figures (model) on duckdb: scripts/golden_sql.py
/* Finance's monthly figures that no event source holds yet (finance_snapshots): one row per */
/* month and item, `ebitda` (the month's EBITDA, entered once the month is closed) or */
/* `cash_plan` (the cash the month is planned to bring in, entered ahead for the year). month */
/* is the month's first day. Items are compared in lower case without surrounding blanks; the */
/* check finance_items_are_known lists any other item (a typo counts nowhere). */
SELECT
  f.id AS figure_id,
  CAST(f.month AS DATE) AS month,
  LOWER(TRIM(f.item)) AS item,
  f.value,
  f.entered_by,
  f.department,
  f.team,
  f.owner_id,
  f.client_id,
  f.source_funnel,
  f.utm_source,
  f.utm_medium,
  f.utm_campaign
FROM finance_snapshots AS f;

-- Deals won by local month (a fragment): GoHighLevel's opportunities, its own version of each
-- before the closers' tracker sheet's (else the newest), deleted ones left out; a won deal
-- counts when its status last changed (else when it was last updated), at GoHighLevel's value.
deals AS (
  SELECT lower(trim(status)) AS status, monetary_value, last_status_change_at, updated_at,
         removed_at
  FROM raw_ghl_opportunities
  QUALIFY row_number() OVER (PARTITION BY source_id
                             ORDER BY source_name <> 'gohighlevel', load_id DESC,
                                      row_seq DESC) = 1
),
won AS (
  SELECT CAST(date_trunc('month', timezone('America/Chicago', timezone('UTC',
              coalesce(last_status_change_at, updated_at)))) AS DATE) AS month,
         count(*) AS n, sum(monetary_value) AS value
  FROM deals WHERE status = 'won' AND removed_at IS NULL GROUP BY 1
),

-- Stripe's cash by local month (a fragment): charges that succeeded (captured amount; a charge
-- GoHighLevel's export reports again counts once, Stripe's version first, else the newest),
-- refunds not failed or cancelled, disputes not won and not inquiries, and net cash: charges
-- less the other two.
charges AS (
  SELECT status, amount_captured, created
  FROM raw_stripe_charges
  QUALIFY row_number() OVER (PARTITION BY source_id
                             ORDER BY source_name <> 'stripe', load_id DESC, row_seq DESC) = 1
),
cash AS (
  SELECT CAST(date_trunc('month', timezone('America/Chicago', timezone('UTC', created)))
              AS DATE) AS month,
         sum(amount) FILTER (WHERE kind = 'charge') AS gross_charges,
         sum(amount) FILTER (WHERE kind = 'refund') AS refunds,
         sum(amount) FILTER (WHERE kind = 'dispute') AS chargebacks,
         sum(CASE WHEN kind = 'charge' THEN amount ELSE -amount END) AS net_cash
  FROM (SELECT 'charge' AS kind, created, amount_captured AS amount FROM charges
        WHERE status = 'succeeded'
        UNION ALL
        SELECT 'refund', created, amount FROM raw_stripe_refunds
        WHERE coalesce(status, 'succeeded') NOT IN ('failed', 'canceled')
        UNION ALL
        SELECT 'dispute', created, amount FROM raw_stripe_disputes
        WHERE coalesce(status, '') <> 'won' AND coalesce(status, '') NOT LIKE 'warning%') AS m
  WHERE created >= $start - INTERVAL 1 DAY AND created < $end + INTERVAL 1 DAY
  GROUP BY 1
),

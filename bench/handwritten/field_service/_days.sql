days AS (
  SELECT CAST(d AS DATE) AS day FROM range($start::TIMESTAMP, $end::TIMESTAMP, INTERVAL 1 DAY)
    AS t(d)
)

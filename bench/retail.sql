-- bench/retail.sql: the medallion of pipelines/retail.mk from bronze to
-- every gold table, as one DuckDB script, for bench/pipelines.sh.  Each
-- layer is written as Parquet (mb writes its datasets); the same rules,
-- the same enrichment, the same gold tables.  bench/pipelines.sh puts the
-- paths in for @LANDING@, @PRODUCTS@, @STORES@, @OUT@ and the time of the
-- not-future rule for @NOW@.
--
-- What differs: read_json(ignore_errors) drops the lines that are not
-- JSON, where mb-ingest keeps them in bronze and mb-validate quarantines
-- them; rfm scores with NTILE(5), whose bins differ from pandas' qcut
-- (mb-rfm) by at most one customer each.

SET preserve_insertion_order = false;

-- bronze: the landing file with its lineage
CREATE TABLE bronze AS
SELECT *, '@LANDING@' AS _source, row_number() OVER () AS _offset,
       now() AS _ingested_at, strftime(now(), '%Y-%m-%d') AS ingest_date
FROM read_json('@LANDING@', format = 'newline_delimited', ignore_errors = true,
       columns = {order_id: 'JSON', customer_id: 'JSON', order_ts: 'JSON',
                  region: 'JSON', status: 'JSON', product_id: 'JSON',
                  category: 'JSON', store_id: 'JSON', quantity: 'JSON',
                  unit_price: 'JSON', amount: 'JSON', payment_method: 'JSON'});
COPY bronze TO '@OUT@/bronze' (FORMAT parquet, PARTITION_BY (ingest_date), OVERWRITE_OR_IGNORE);

-- silver: the schema of pipelines/schemas/orders.json and the rules of
-- the demo; a record that breaks any goes to quarantine with the list
CREATE TABLE typed AS
SELECT _source, _offset, _ingested_at,
    CASE WHEN json_type(order_id) = 'VARCHAR' THEN order_id ->> '$' END AS order_id,
    CASE WHEN json_type(customer_id) = 'VARCHAR' THEN customer_id ->> '$' END AS customer_id,
    CASE WHEN json_type(order_ts) = 'VARCHAR' THEN order_ts ->> '$' END AS order_ts_text,
    try_cast(order_ts ->> '$' AS TIMESTAMPTZ) AS order_ts,
    CASE WHEN json_type(region) = 'VARCHAR' THEN region ->> '$' END AS region,
    CASE WHEN json_type(status) = 'VARCHAR' THEN status ->> '$' END AS status,
    CASE WHEN json_type(product_id) = 'VARCHAR' THEN product_id ->> '$' END AS product_id,
    CASE WHEN json_type(category) = 'VARCHAR' THEN category ->> '$' END AS category,
    CASE WHEN json_type(store_id) = 'VARCHAR' THEN store_id ->> '$' END AS store_id,
    CASE WHEN json_type(quantity) IN ('UBIGINT', 'BIGINT') THEN try_cast(quantity AS BIGINT) END AS quantity,
    CASE WHEN json_type(unit_price) IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN try_cast(unit_price AS DECIMAL(18, 2)) END AS unit_price,
    CASE WHEN json_type(amount) IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN try_cast(amount AS DECIMAL(18, 2)) END AS amount,
    CASE WHEN json_type(payment_method) = 'VARCHAR' THEN payment_method ->> '$' END AS payment_method,
    row_number() OVER (PARTITION BY order_id ->> '$' ORDER BY _offset) AS _nth
FROM bronze;

CREATE TABLE checked AS
SELECT *, list_filter([
    CASE WHEN order_id IS NULL OR NOT regexp_full_match(order_id, 'ORD-[0-9]{12}') THEN 'schema' END,
    CASE WHEN customer_id IS NULL OR NOT regexp_full_match(customer_id, 'C[0-9]{7}') THEN 'schema' END,
    CASE WHEN order_ts IS NULL THEN 'schema' END,
    CASE WHEN region IS NULL OR region NOT IN ('North', 'South', 'East', 'West', 'Central') THEN 'schema' END,
    CASE WHEN status IS NULL OR status NOT IN ('completed', 'returned', 'cancelled', 'pending') THEN 'schema' END,
    CASE WHEN product_id IS NULL OR NOT regexp_full_match(product_id, 'P[0-9]{5}') THEN 'schema' END,
    CASE WHEN category IS NULL OR length(category) NOT BETWEEN 1 AND 64 THEN 'schema' END,
    CASE WHEN store_id IS NULL OR NOT regexp_full_match(store_id, 'S[0-9]{3}') THEN 'schema' END,
    CASE WHEN quantity IS NULL OR quantity NOT BETWEEN 1 AND 1000 THEN 'schema' END,
    CASE WHEN unit_price IS NULL OR unit_price <= 0 THEN 'schema' END,
    CASE WHEN amount IS NULL OR amount < 0 THEN 'schema' END,
    CASE WHEN payment_method IS NULL OR payment_method NOT IN ('card', 'cash', 'wallet', 'gift_card') THEN 'schema' END,
    CASE WHEN NOT coalesce(abs(amount - quantity * unit_price) <= 0.01, false) THEN 'amount_matches' END,
    CASE WHEN order_id IS NOT NULL AND _nth > 1 THEN 'unique' END,
    CASE WHEN order_ts IS NULL OR order_ts > TIMESTAMPTZ '@NOW@' THEN 'not_future' END
  ], x -> x IS NOT NULL) AS _errors
FROM typed;

CREATE TABLE products AS SELECT * FROM read_csv('@PRODUCTS@');
CREATE TABLE stores AS SELECT * FROM read_csv('@STORES@');

CREATE TABLE silver AS
SELECT c.order_id, c.customer_id, c.order_ts_text AS order_ts, c.order_ts AS ts,
       c.region, c.status, c.product_id, c.category, c.store_id, c.quantity,
       c.unit_price, c.amount, c.payment_method, c._source, c._offset, c._ingested_at,
       p.product_name, p.brand, s.store_name, s.city,
       year(c.order_ts AT TIME ZONE 'UTC') AS order_year,
       month(c.order_ts AT TIME ZONE 'UTC') AS order_month,
       day(c.order_ts AT TIME ZONE 'UTC') AS order_day,
       dayofweek(c.order_ts AT TIME ZONE 'UTC') + 1 AS order_dayofweek,
       hour(c.order_ts AT TIME ZONE 'UTC') AS order_hour,
       strftime(c.order_ts AT TIME ZONE 'UTC', '%Y-%m-%d') AS order_date,
       c.amount > 500 AS is_high_value_order
FROM checked c
LEFT JOIN products p USING (product_id)
LEFT JOIN stores s USING (store_id)
WHERE len(c._errors) = 0;
COPY silver TO '@OUT@/silver' (FORMAT parquet, PARTITION_BY (order_year, order_month), OVERWRITE_OR_IGNORE);
COPY (SELECT * FROM checked WHERE len(_errors) > 0) TO '@OUT@/quarantine.parquet' (FORMAT parquet);

-- gold
COPY (SELECT order_year, order_month, count(*) AS total_orders,
             sum(amount) AS total_revenue,
             round(100.0 * count(*) FILTER (status = 'returned') / count(*), 2) AS return_rate_pct,
             round(100.0 * count(*) FILTER (status = 'cancelled') / count(*), 2) AS cancellation_rate_pct
      FROM silver GROUP BY ALL ORDER BY ALL)
  TO '@OUT@/monthly_revenue.parquet' (FORMAT parquet);

COPY (SELECT order_date, region, count(*) AS orders, sum(amount) AS revenue,
             round(avg(amount), 2) AS avg_order_value
      FROM silver GROUP BY ALL ORDER BY ALL)
  TO '@OUT@/daily_region.parquet' (FORMAT parquet);

COPY (SELECT category, store_id, sum(quantity) AS units, sum(amount) AS revenue
      FROM silver GROUP BY ALL ORDER BY ALL)
  TO '@OUT@/category_store.parquet' (FORMAT parquet);

CREATE TABLE by_product AS
SELECT product_id, first(product_name) AS product_name, sum(quantity) AS units,
       sum(amount) AS revenue
FROM silver GROUP BY product_id;
COPY (SELECT * FROM (
        SELECT 'revenue' AS rank_by, row_number() OVER (ORDER BY revenue DESC, product_id) AS rank, *
        FROM by_product QUALIFY rank <= 10
        UNION ALL
        SELECT 'units' AS rank_by, row_number() OVER (ORDER BY units DESC, product_id) AS rank, *
        FROM by_product QUALIFY rank <= 10)
      ORDER BY rank_by, rank)
  TO '@OUT@/top_products.parquet' (FORMAT parquet);

CREATE TABLE customers AS
WITH c AS (
    SELECT customer_id, max(ts) AS last_ts, count(DISTINCT order_id) AS frequency,
           sum(amount) AS monetary_value
    FROM silver GROUP BY customer_id),
  s AS (
    SELECT customer_id,
           date_diff('day', last_ts, (SELECT max(last_ts) FROM c)) AS recency_days,
           frequency, monetary_value,
           6 - ntile(5) OVER (ORDER BY date_diff('day', last_ts, (SELECT max(last_ts) FROM c)), customer_id) AS r_score,
           ntile(5) OVER (ORDER BY frequency, customer_id) AS f_score,
           ntile(5) OVER (ORDER BY monetary_value, customer_id) AS m_score
    FROM c)
SELECT *, r_score::VARCHAR || f_score::VARCHAR || m_score::VARCHAR AS rfm_score,
       CASE WHEN r_score = 5 AND f_score >= 4 THEN 'Champions'
            WHEN r_score IN (3, 4) AND f_score >= 4 THEN 'Loyal Customers'
            WHEN r_score >= 4 AND f_score IN (2, 3) THEN 'Potential Loyalists'
            WHEN r_score = 5 AND f_score = 1 THEN 'New Customers'
            WHEN r_score = 4 AND f_score = 1 THEN 'Promising'
            WHEN r_score = 3 AND f_score = 3 THEN 'Need Attention'
            WHEN r_score = 3 AND f_score <= 2 THEN 'About to Sleep'
            WHEN r_score <= 2 AND f_score IN (3, 4) THEN 'At Risk'
            WHEN r_score <= 2 AND f_score = 5 THEN 'Can''t Lose Them'
            ELSE 'Hibernating' END AS segment
FROM s;
COPY (SELECT * FROM customers ORDER BY customer_id) TO '@OUT@/rfm.parquet' (FORMAT parquet);

COPY (SELECT segment, count(*) AS customers,
             round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS customer_share_pct,
             round(100.0 * sum(monetary_value) / sum(sum(monetary_value)) OVER (), 2) AS revenue_share_pct,
             round(avg(recency_days), 1) AS avg_recency_days,
             round(avg(frequency), 1) AS avg_frequency,
             round(avg(monetary_value), 2) AS avg_monetary_value
      FROM customers GROUP BY segment)
  TO '@OUT@/rfm_segments.parquet' (FORMAT parquet);

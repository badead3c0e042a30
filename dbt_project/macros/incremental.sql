{#- Incremental builds on batches: a nightly run costs what its delta costs, not the history.

    Every raw row carries the id of the batch (file load) it came from; ids only grow. Each
    incremental model keeps in a batch column (batch_id in staging, last_batch_id elsewhere)
    the newest batch behind each row, so the newest batch it has already processed is the
    column's max (its watermark). An incremental run then:

    - staging: takes the raw rows of newer batches only (the raw tables are partitioned by
      batch, so older partitions are not read), keeps the latest version of each key among
      them and merges it on the key: a newer version replaces the older one;
    - order-level models (intermediate and facts): recompute every order touched by a newer
      batch (a new or changed order, item, payment, review or customer row) and merge on the
      unique key;
    - marts: recompute whole days or months touched by a changed order and replace them
      (delete+insert on the day or month), so a group that no longer qualifies disappears.

    Global rules (segments and RFM scores relative to the as-of date, cohort retention) are
    rebuilt in full from the incremental tables below them.

    Not covered (use a full refresh): a loaded file replaced by a changed copy that drops
    rows (the loader replaces its batch), since rows that disappear leave no newer batch. -#}

{# The newest batch already processed into this model; -1 when it is empty. #}
{% macro processed_batch_watermark(column='last_batch_id') -%}
    (select coalesce(max({{ column }}), -1) from {{ this }})
{%- endmacro %}

{# order_ids touched by a batch newer than the watermark. The models calling it declare
   the staging refs in a depends_on comment, because refs inside is_incremental() blocks
   are not seen when dbt parses the project. #}
{% macro orders_changed_since_watermark() -%}
    select changed_orders.order_id
    from {{ ref('stg_olist__orders') }} as changed_orders
    where changed_orders.batch_id > {{ processed_batch_watermark() }}
    union
    select changed_items.order_id
    from {{ ref('stg_olist__order_items') }} as changed_items
    where changed_items.batch_id > {{ processed_batch_watermark() }}
    union
    select changed_payments.order_id
    from {{ ref('stg_olist__order_payments') }} as changed_payments
    where changed_payments.batch_id > {{ processed_batch_watermark() }}
    union
    select changed_reviews.order_id
    from {{ ref('stg_olist__order_reviews') }} as changed_reviews
    where changed_reviews.batch_id > {{ processed_batch_watermark() }}
    union
    select customer_orders.order_id
    from {{ ref('stg_olist__customers') }} as changed_customers
    inner join {{ ref('stg_olist__orders') }} as customer_orders
        on changed_customers.customer_id = customer_orders.customer_id
    where changed_customers.batch_id > {{ processed_batch_watermark() }}
{%- endmacro %}

{# order_ids of int_orders_enriched newer than this model's watermark: every change to an
   order (its row, customer, items, payments, reviews) raises its last_batch_id there. #}
{% macro enriched_orders_changed() -%}
    select changed.order_id
    from {{ ref('int_orders_enriched') }} as changed
    where changed.last_batch_id > {{ processed_batch_watermark() }}
{%- endmacro %}

{# Purchase months holding an order of fact_orders changed since this model's watermark. #}
{% macro order_months_changed() -%}
    select distinct cast({{ dbt.date_trunc('month', 'changed.order_date') }} as date)
    from {{ ref('fact_orders') }} as changed
    where changed.last_batch_id > {{ processed_batch_watermark() }}
{%- endmacro %}

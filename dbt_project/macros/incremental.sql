{#- Incremental facts (fact_orders, fact_order_items, fact_payments, fact_reviews).

    Every raw row carries the id of the batch (file load) it came from; ids only grow, and
    staging keeps the latest version of each key. A fact row records in last_batch_id the
    newest batch that contributed to it, so the newest batch already processed is
    max(last_batch_id) of the fact. On an incremental run a fact recomputes, from the full
    staging views, every order touched by a newer batch (a new or changed order, item,
    payment, review or customer row) and merges the result on its unique key: new orders are
    inserted, status changes and late items, payments or reviews update the affected rows.

    Not covered (use a full refresh): a loaded file replaced by a changed copy that drops
    rows (the loader replaces its batch), since rows that disappear leave no newer batch. -#}

{# The newest batch already processed into this model; -1 when it is empty. #}
{% macro processed_batch_watermark() -%}
    (select coalesce(max(last_batch_id), -1) from {{ this }})
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

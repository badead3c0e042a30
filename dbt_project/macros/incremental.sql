{#- Incremental builds on batches: a nightly run costs what its delta costs, not the history.

    Every raw row carries the id of the batch (file load) it came from; ids only grow. Each
    incremental model keeps in a batch column (batch_id in staging, last_batch_id elsewhere)
    the newest batch behind each row, so the newest batch it has already processed is the
    column's max (its watermark). An incremental run then:

    - staging: takes the raw rows of newer batches only (the raw tables are partitioned by
      batch, so older partitions are not read), keeps the latest version of each key among
      them and merges it on the key: a newer version replaces the older one (the geolocation
      points have no key: they are appended, and the points of a replaced batch deleted);
    - order-level models (intermediate and facts): recompute every order touched by a newer
      batch (a new or changed order, item, payment, review or customer row) and merge on the
      unique key;
    - mart_seller_performance: recompute the seller-months a changed order or seller reaches
      and replace them, so a group that no longer qualifies disappears;
    - the coarser marts (per day, per category and month, per state and month, cohort and
      activity month, seller and period): delete and recompute every period a change
      reaches (the purchase days or months of the changed orders; a night's new orders and
      status changes reach a few recent periods), so a group that no longer qualifies
      disappears and untouched periods are not read. The periods are written into the SQL
      as literals (values_when_incremental).

    Every incremental table over a hundred thousand rows has an index on its batch column:
    the watermark's max(), the night's change lookups and the tests scoped to newer batches
    (macros/test_scope.sql) read a delta through it instead of scanning the table (0.1 to
    0.4 s a scan at a million rows, some forty times a night).

    dim_customer computes again the people a newer batch reached and segments again the
    people the new as-of date moved, merging only the rows that changed
    (models/core/dim_customer.sql); the RFM bucket ends (int_rfm_ends_found) are found from
    the stored ones, and the scores computed when mart_customer_analytics is read. The small
    roll-ups (customer segments, seller period totals) are rebuilt in full from the
    incremental tables below them.

    Not covered (use a full refresh): a loaded file replaced by a changed copy that drops
    rows (the loader replaces its batch), since rows that disappear leave no newer batch; an
    order whose purchase date moves to another period (the old period keeps it); an order
    item re-delivered with another seller, or an order with another customer (the old
    seller's months and the old person keep it: the changed groups are found from the new
    rows only); a changed category translation file (a reference file: dim_product and the
    period marts keep the old names); a change of a segment threshold on orders or spend
    (vip_min_orders and the like: dim_customer moves only the people a night reaches or the
    new as-of date passes). -#}

{# The newest batch already processed into this model; -1 when it is empty.
   In an incremental build it is read when the model compiles, before anything is written,
   and written into the SQL as a number: the planner then estimates `batch_id > 41` from the
   column's statistics (a night's delta is about 1 % of the rows, so it reads the delta
   through the key indexes), where a subquery is estimated at a third of the table and
   hashed whole (int_customers_unified took 5.1 s of a 1M nightly). Elsewhere (dbt compile,
   docs) it stays a subquery. The model's body and its pre-hooks, which all ask before it
   writes, are given one answer (run_query_once). #}
{% macro processed_batch_watermark(column='last_batch_id') -%}
    {%- if execute and is_incremental() -%}
        {%- set found = run_query_once(
            'select coalesce(max(' ~ adapter.quote(column) ~ '), -1) from ' ~ this
        ) -%}
        {{- found.columns[0].values()[0] | int -}}
    {%- else -%}
        (select coalesce(max({{ column }}), -1) from {{ this }})
    {%- endif -%}
{%- endmacro %}

{# The values of a one-column query, read when the model (or its pre-hook) runs and
   written into the SQL as literals of `type`, for `column in (...)`. The period marts use it
   for the periods a change reaches: given a subquery, the planner expects every period to
   match (it estimates the subquery's rows, not its distinct values) and joins the whole
   history before filtering it (mart_category_sales took 7.0 s for 3 months of a million
   orders); given three dates it filters first. An empty set becomes a null, which matches
   nothing. Elsewhere (dbt compile, docs, a full build) it stays the subquery. #}
{% macro values_when_incremental(query, type) -%}
    {%- if execute and is_incremental() -%}
        {{- sql_literals(incremental_values(query), type) -}}
    {%- else -%}
        {{ query }}
    {%- endif -%}
{%- endmacro %}

{# The non-null values of a one-column query as a list, read when the model runs.
   A model's body and its pre-hook ask for the same periods: the first answer is kept for the
   rest of the dbt invocation (run_query_once), so each query runs once. Both ask before the
   model writes, and the tables a query reads are built before it, so the kept answer is the
   one a second run would give. The days of mart_executive_dashboard took 0.5 and 1.0 s of a
   1M night, each asked twice. #}
{% macro incremental_values(query) -%}
    {%- set found = run_query_once(query) -%}
    {{- return(found.columns[0].values() | reject('none') | list) -}}
{%- endmacro %}

{# run_query for a question whose answer cannot change during one dbt invocation: the first
   answer is kept for the invocation's other nodes and asks. It lives in `graph` (the
   manifest's flat graph, which every node of one invocation shares) under the invocation's
   id, so a manifest used again (the warm dbt server's children start from a copy of its
   manifest) never hands one invocation's answers to another. Two threads asking at the same
   moment may both run it (same answer). #}
{% macro run_query_once(sql) -%}
    {%- set kept = graph.setdefault('olist_kept', {}).setdefault(invocation_id, {}) -%}
    {%- if sql not in kept -%}
        {%- do kept.update({sql: run_query(sql)}) -%}
    {%- endif -%}
    {{- return(kept[sql]) -}}
{%- endmacro %}

{# Values as a comma-separated list of SQL literals of `type`; none becomes a null. #}
{% macro sql_literals(values, type) -%}
    {%- if values -%}
        {%- for value in values -%}
            cast('{{ value }}' as {{ type }}){{ ', ' if not loop.last }}
        {%- endfor -%}
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
{%- endmacro %}

{# `column` within any of the months (dates of their first days), as date ranges; no month
   matches nothing. The planner estimates a range from the column's histogram, where for
   `date_trunc('month', column) in (...)` it can only guess: for mart_category_sales it
   expected a few thousand of the 115,000 items of three months at a million orders and
   looked each item's product up through an index (0.65 s against 0.36 s). #}
{% macro within_months(column, months) -%}
    {%- if months -%}
        ({% for month in months -%}
            ({{ column }} >= cast('{{ month }}' as date)
            and {{ column }} < cast(cast('{{ month }}' as date) + interval '1 month' as date))
            {{- ' or ' if not loop.last }}
        {%- endfor %})
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{# order_ids touched by a batch newer than the watermark. The models calling it declare
   the staging refs in a depends_on comment, because refs inside is_incremental() blocks
   are not seen when dbt parses the project. #}
{% macro orders_changed_since_watermark() -%}
    {%- set watermark = processed_batch_watermark() %}
    select changed_orders.order_id
    from {{ ref('stg_olist__orders') }} as changed_orders
    where changed_orders.batch_id > {{ watermark }}
    union
    select changed_items.order_id
    from {{ ref('stg_olist__order_items') }} as changed_items
    where changed_items.batch_id > {{ watermark }}
    union
    select changed_payments.order_id
    from {{ ref('stg_olist__order_payments') }} as changed_payments
    where changed_payments.batch_id > {{ watermark }}
    union
    select changed_reviews.order_id
    from {{ ref('stg_olist__order_reviews') }} as changed_reviews
    where changed_reviews.batch_id > {{ watermark }}
    union
    select customer_orders.order_id
    from {{ ref('stg_olist__customers') }} as changed_customers
    inner join {{ ref('stg_olist__orders') }} as customer_orders
        on changed_customers.customer_id = customer_orders.customer_id
    where changed_customers.batch_id > {{ watermark }}
{%- endmacro %}

{# order_ids of int_orders_enriched newer than this model's watermark: every change to an
   order (its row, customer, items, payments, reviews) raises its last_batch_id there. #}
{% macro enriched_orders_changed() -%}
    select changed.order_id
    from {{ ref('int_orders_enriched') }} as changed
    where changed.last_batch_id > {{ processed_batch_watermark() }}
{%- endmacro %}

{#- mart_seller_performance and mart_seller_leaderboard replace the groups a change reaches.
    A pre-hook deletes them first (so a group that no longer qualifies disappears), the model
    recomputes them and the append strategy inserts them: every row the model returns is in a
    group the pre-hook deleted, so nothing is left to delete by key (delete+insert's own
    delete, which found nothing, took 1.1 s of the leaderboard in a 1M nightly); the unique
    index on the key refuses a duplicate. The pre-hook and the model read the same watermark:
    the model's is read when it compiles, the pre-hook's when it runs, both before the
    delete. -#}

{# (seller_id, order_month) groups of mart_seller_performance touched since its watermark:
   the sellers and months of the items of changed orders, and every month of a seller whose
   row changed (state and city are in the mart). An item carries its order's last_batch_id
   (int_order_items_enriched), so the items of the orders changed since the watermark are
   read through the items' batch index: joined to the changed orders, every item was
   scanned instead (1.15 million rows, 0.15 to 0.3 s, four times a night at a million
   orders). #}
{% macro seller_months_changed() -%}
    {%- set watermark = processed_batch_watermark() %}
    select
        items.seller_id,
        cast({{ dbt.date_trunc('month', 'items.order_date') }} as date) as order_month
    from {{ ref('fact_order_items') }} as items
    where items.last_batch_id > {{ watermark }}
    union
    select
        moved.seller_id,
        cast({{ dbt.date_trunc('month', 'moved.order_date') }} as date) as order_month
    from {{ ref('fact_order_items') }} as moved
    inner join {{ ref('stg_olist__sellers') }} as sellers on moved.seller_id = sellers.seller_id
    where sellers.batch_id > {{ watermark }}
{%- endmacro %}


{# (seller_id, period) rows of mart_seller_leaderboard a change reaches: for each changed
   seller-month, its quarter, its year and the seller's whole history. Other periods of the
   same seller keep their rows (a night's new orders reach a quarter of the sellers, each
   with about thirteen periods: replacing them all wrote 97,000 rows at a million orders). #}
{% macro leaderboard_periods_changed() -%}
    select distinct changed.seller_id, periods.period
    from ({{ seller_months_changed() }}) as changed
    cross join lateral (
        values
            (to_char(changed.order_month, 'YYYY-"Q"Q')),
            (to_char(changed.order_month, 'YYYY')),
            ('all')
    ) as periods (period)
{%- endmacro %}


{#- The period marts (mart_category_sales, mart_executive_dashboard,
    mart_delivery_performance, mart_cohort_retention) replace every period a change reaches:
    a pre-hook deletes the periods, the model recomputes them from the facts of those periods
    only and the append strategy inserts them. As for mart_seller_performance, the pre-hook
    and the model read the same watermark, both before the delete. -#}

{# Purchase months of the items of orders changed since the watermark, and every month of a
   product whose row changed (its category is in the mart). #}
{% macro category_months_changed() -%}
    {%- set watermark = processed_batch_watermark() %}
    select cast({{ dbt.date_trunc('month', 'changed.order_date') }} as date) as order_month
    from {{ ref('fact_order_items') }} as changed
    where changed.last_batch_id > {{ watermark }}
    union
    select cast({{ dbt.date_trunc('month', 'sold.order_date') }} as date) as order_month
    from {{ ref('fact_order_items') }} as sold
    inner join {{ ref('dim_product') }} as products on sold.product_id = products.product_id
    where products.batch_id > {{ watermark }}
{%- endmacro %}

{# Purchase days of the orders changed since the watermark, and the days a person's first
   counted order (the day's new customers) may have moved from or to. A person's first day,
   before and after, is the day of one of their changed orders or the first day among their
   unchanged counted orders; the latter can only be passed by a changed order on an earlier
   day. So a returning customer's new order reaches its own day only, not every day they
   ever bought on (a night's repeat buyers reached 611 of 775 days at a million orders). #}
{% macro executive_days_changed() -%}
    {%- set watermark = processed_batch_watermark() %}
    with changed as (
        select changed.customer_unique_id, changed.order_date
        from {{ ref('fact_orders') }} as changed
        where changed.last_batch_id > {{ watermark }}
    )

    select changed.order_date
    from changed
    union
    select min(unchanged.order_date)
    from {{ ref('fact_orders') }} as unchanged
    inner join (
        select changed.customer_unique_id, min(changed.order_date) as first_changed_day
        from changed
        group by changed.customer_unique_id
    ) as reached on unchanged.customer_unique_id = reached.customer_unique_id
    where unchanged.is_counted and unchanged.last_batch_id <= {{ watermark }}
    group by unchanged.customer_unique_id, reached.first_changed_day
    having min(unchanged.order_date) > reached.first_changed_day
{%- endmacro %}

{# Months of mart_cohort_retention a change reaches, as cohort or as activity month: the months
   of executive_days_changed() (the changed orders' days and the days a first counted order
   may have moved from or to), the as-of month, and the months past the last one stored up
   to the as-of month (the grid grows when the as-of date enters a new month). #}
{% macro cohort_months_changed() -%}
    select cast({{ dbt.date_trunc('month', 'reached.order_date') }} as date) as cohort_month
    from ({{ executive_days_changed() }}) as reached
    union
    select calendar.month_start
    from {{ ref('dim_date') }} as calendar
    cross join {{ ref('int_reporting_as_of') }} as as_of
    where
        calendar.month_start <= as_of.as_of_date
        and (
            calendar.month_start >= cast({{ dbt.date_trunc('month', 'as_of.as_of_date') }} as date)
            or calendar.month_start > (select max(stored.activity_month) from {{ this }} as stored)
        )
{%- endmacro %}

{# Purchase months of the orders changed since the watermark (an order delivered, or no longer
   delivered) and of the deliveries whose lane changed (their seller's row changed). #}
{% macro delivery_months_changed() -%}
    {%- set watermark = processed_batch_watermark() %}
    select cast({{ dbt.date_trunc('month', 'changed.order_date') }} as date) as order_month
    from {{ ref('fact_orders') }} as changed
    where changed.last_batch_id > {{ watermark }}
    union
    select moved.order_month
    from {{ ref('fact_deliveries') }} as moved
    where moved.last_batch_id > {{ watermark }}
{%- endmacro %}

{# The relation of the model `model_name` of this project as the database holds it now (none
   when it was never built), read when the model runs; for a model that reads another's last
   build without a ref (int_rfm_ends_found reads dim_customer, which runs after it). #}
{% macro built_relation(model_name) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.name == model_name
        and node.package_name == project_name -%}
        {{ return(adapter.get_relation(node.database, node.schema, node.alias)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{# The `replace` incremental strategy: the model's rows replace every stored row, in one
   transaction. For a small summary that reads its own last build (`this`) to compute the
   next one, which a `table` materialization cannot tell from a first build. #}
{% macro get_incremental_replace_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

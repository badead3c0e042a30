{#- Cohort retention (BUSINESS_RULES.md, Customers and segments): a cohort is the month of a
    person's first counted order; retention at month k is the share of the cohort with a
    counted order in month cohort + k. Every month from the cohort's own to the as-of month
    has a row, with 0 active customers where nobody ordered. The first counted order comes
    from the people's order history (the column dim_customer passes on), so the mart does not
    wait for dim_customer and builds beside it.

    Incremental: a change reaches the cells of the months it touches, as cohort or as
    activity month: the purchase months of the changed orders and the months a person's
    first counted order may have moved from or to (macros/incremental.sql,
    executive_days_changed), the as-of month and any month past the last one stored. The
    pre-hook deletes those rows, the model computes them again and they are appended.
    A cell's activity month is never before its cohort month, so every cell rebuilt lies in
    the first changed month or after it: the model reads the orders from that month on
    (through the order_date index of fact_orders) and the cohorts of their people (through
    the history's key), not every order and person. A night's new orders reach a few recent
    months (the rebuild of every cell took 9.4 s at a million orders; reading every person
    and every order for the changed cells, 4.3 s). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{% if is_incremental() %}
        {% set changed_months = values_when_incremental(cohort_months_changed(), 'date') %}
        delete from {{ this }}
        where
            cohort_month in ({{ changed_months }})
            or activity_month in ({{ changed_months }})
            or activity_month > (select as_of_date from {{ ref('int_reporting_as_of') }})
        {% endif %}"
    ]
) }}
-- depends_on: {{ ref('fact_orders') }}
{%- if is_incremental() %}
{%- set months = incremental_values(cohort_months_changed()) %}
{%- set changed_months = sql_literals(months, 'date') %}
{%- set first_changed_month = sql_literals([months | min] if months else [], 'date') %}
{%- endif %}
with

as_of as (
    select cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as as_of_month
    from {{ ref('int_reporting_as_of') }}
),

{#- The orders a build reads: every order, or in a nightly build the orders from the first
    changed month on (every cell rebuilt lies there). -#}
orders_read as (
    select
        orders.customer_unique_id,
        orders.is_counted,
        orders.last_batch_id,
        cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date) as activity_month
    from {{ ref('fact_orders') }} as orders
    {%- if is_incremental() %}
    where orders.order_date >= {{ first_changed_month }}
    {%- endif %}
),

{#- The people with their cohorts; in a nightly build the people of those orders: everyone
    of a changed cohort ordered in its month. -#}
customers as (
    select
        history.customer_unique_id,
        cast({{ dbt.date_trunc('month', 'history.first_counted_order_at') }} as date)
            as cohort_month
    from {{ ref('int_customer_orders_summarised') }} as history
    where
        history.customer_unique_id is not null
        and history.first_counted_order_at is not null
        {%- if is_incremental() %}
        and history.customer_unique_id in (
            select orders_read.customer_unique_id from orders_read where orders_read.is_counted
        )
        {%- endif %}
),

cohorts as (
    select
        customers.cohort_month,
        count(*) as cohort_size
    from customers
    {%- if is_incremental() %}
    where customers.cohort_month in ({{ changed_months }})
    {%- endif %}
    group by customers.cohort_month
    {%- if is_incremental() %}

    -- the other cohorts' sizes as stored (their people did not change)
    union all

    select stored.cohort_month, stored.cohort_size
    from {{ this }} as stored
    where
        stored.months_since_first_order = 0
        and stored.cohort_month not in ({{ changed_months }})
    {%- endif %}
),

activity as (
    select distinct orders_read.customer_unique_id, orders_read.activity_month
    from orders_read
    where orders_read.is_counted
),

{#- The newest batch among the orders of each activity month: the row's batch column. A
    change to any order of the month rebuilds the month's cells, so an incremental build
    and a full one stamp a cell alike, and the newest stamp is the newest batch seen. -#}
month_batches as (
    select orders_read.activity_month, max(orders_read.last_batch_id) as last_batch_id
    from orders_read
    group by orders_read.activity_month
),

months as (
    select distinct calendar.month_start
    from {{ ref('dim_date') }} as calendar
),

active as (
    select
        customers.cohort_month,
        activity.activity_month,
        count(*) as active_customers
    from activity
    inner join customers on activity.customer_unique_id = customers.customer_unique_id
    group by customers.cohort_month, activity.activity_month
),

grid as (
    select
        cohorts.cohort_month,
        months.month_start as activity_month,
        cohorts.cohort_size
    from cohorts
    cross join as_of
    inner join months
        on months.month_start >= cohorts.cohort_month
        and months.month_start <= as_of.as_of_month
    {%- if is_incremental() %}
    where
        cohorts.cohort_month in ({{ changed_months }})
        or months.month_start in ({{ changed_months }})
    {%- endif %}
)

select
    grid.cohort_month,
    cast({{ dbt.datediff('grid.cohort_month', 'grid.activity_month', 'month') }} as integer)
        as months_since_first_order,
    grid.activity_month,
    cast(grid.cohort_size as bigint) as cohort_size,
    cast(coalesce(active.active_customers, 0) as bigint) as active_customers,
    cast(
        cast(coalesce(active.active_customers, 0) as numeric(18, 6)) / grid.cohort_size
        as numeric(6, 4)
    ) as retention_rate,
    cast(coalesce(month_batches.last_batch_id, -1) as bigint) as last_batch_id
from grid
left join active
    on grid.cohort_month = active.cohort_month
    and grid.activity_month = active.activity_month
left join month_batches on grid.activity_month = month_batches.activity_month

{#- Cohort retention (BUSINESS_RULES.md, Customers and segments): a cohort is the month of a
    person's first counted order; retention at month k is the share of the cohort with a
    counted order in month cohort + k. Every month from the cohort's own to the as-of month
    has a row, with 0 active customers where nobody ordered. The first counted order comes
    from the people's order history (the column dim_customer passes on), so the mart does not
    wait for dim_customer's RFM sorts and builds beside them. -#}
with

as_of as (
    select cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as as_of_month
    from {{ ref('int_reporting_as_of') }}
),

customers as (
    select
        history.customer_unique_id,
        cast({{ dbt.date_trunc('month', 'history.first_counted_order_at') }} as date)
            as cohort_month
    from {{ ref('int_customer_orders_summarised') }} as history
    where history.customer_unique_id is not null and history.first_counted_order_at is not null
),

cohorts as (
    select
        customers.cohort_month,
        count(*) as cohort_size
    from customers
    group by customers.cohort_month
),

months as (
    select distinct calendar.month_start
    from {{ ref('dim_date') }} as calendar
),

activity as (
    select distinct
        orders.customer_unique_id,
        cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date) as activity_month
    from {{ ref('fact_orders') }} as orders
    where orders.is_counted
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
    ) as retention_rate
from grid
left join active
    on grid.cohort_month = active.cohort_month
    and grid.activity_month = active.activity_month

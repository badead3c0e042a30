{#- The seller leaderboard, rolled up once per build: one row per seller and period (each
    calendar quarter, each calendar year and the whole history) with the seller's sums of
    mart_seller_performance's monthly counts. A page asking for the top sellers of a period
    then reads the first rows of an index instead of summing every seller-month, which is what
    keeps it fast at millions of orders. Rates are not stored: they are the counts divided
    (BUSINESS_RULES.md, Sellers), done by the reader.
    Incremental: the periods a changed seller-month falls in (its quarter, its year and the
    whole history; the seller-months a changed order or seller reaches, macros/incremental.sql)
    are deleted by the pre-hook, then computed again, so a period that no longer qualifies
    disappears. Each level is rolled up from the one below: a changed quarter from its months,
    a changed year from its quarters and the whole history from the years, where the quarters
    and years the change did not reach are read as this table holds them (the pre-hook has
    just deleted the others). Every column is a sum, a count, a min or a max, so a roll-up of
    roll-ups is the roll-up of the months; a nightly so reads a few months and stored rows per
    changed seller, not the seller's whole history (146,000 seller-months at a million
    orders). A full build rolls every month up in one pass. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{% if is_incremental() %}
        delete from {{ this }}
        where (seller_id, period) in ({{ leaderboard_periods_changed() }})
        {% endif %}"
    ]
) }}
-- depends_on: {{ ref('fact_order_items') }}
-- depends_on: {{ ref('stg_olist__sellers') }}
with

{% if is_incremental() -%}

changed_months as (
    {{ seller_months_changed() }}
),

changed_quarters as (
    select distinct
        changed_months.seller_id,
        cast({{ dbt.date_trunc('quarter', 'changed_months.order_month') }} as date) as quarter_start
    from changed_months
),

changed_years as (
    select distinct
        changed_months.seller_id,
        cast({{ dbt.date_trunc('year', 'changed_months.order_month') }} as date) as year_start
    from changed_months
),

changed_sellers as (
    select distinct changed_months.seller_id
    from changed_months
),

quarters as (
    -- a changed quarter, from its months
    select
        monthly.seller_id,
        monthly.seller_state,
        monthly.seller_city,
        changed_quarters.quarter_start as period_start,
        {{ leaderboard_rolled_from_months('monthly') }}
    from changed_quarters
    inner join {{ ref('mart_seller_performance') }} as monthly
        on monthly.seller_id = changed_quarters.seller_id
        and monthly.order_month >= changed_quarters.quarter_start
        and monthly.order_month < cast(changed_quarters.quarter_start + interval '3 months' as date)
    group by
        monthly.seller_id,
        monthly.seller_state,
        monthly.seller_city,
        changed_quarters.quarter_start
),

{#- The (period, seller) keys of the rows held for the changed years and sellers, listed
    first (materialized) and then looked up through the table's unique index on those two
    columns: joined in one step, the planner scanned every period of each changed seller. #}
held_quarter_keys as materialized (
    select
        to_char(changed_years.year_start, 'YYYY') || '-Q' || quarter_of_year.number as period,
        changed_years.seller_id,
        changed_years.year_start
    from changed_years
    cross join (values (1), (2), (3), (4)) as quarter_of_year (number)
),

year_quarters as (
    -- the quarters of a changed year: the changed ones just rolled up, and the others as held
    select
        quarters.seller_id,
        quarters.seller_state,
        quarters.seller_city,
        cast({{ dbt.date_trunc('year', 'quarters.period_start') }} as date) as year_start,
        {{ leaderboard_rolled_columns('quarters') }}
    from quarters
    union all
    {{ leaderboard_rows_held('held_quarter_keys', 'held_quarter_keys.year_start,') }}
),

years as (
    select
        year_quarters.seller_id,
        year_quarters.seller_state,
        year_quarters.seller_city,
        year_quarters.year_start as period_start,
        {{ leaderboard_rolled_again('year_quarters') }}
    from year_quarters
    group by
        year_quarters.seller_id,
        year_quarters.seller_state,
        year_quarters.seller_city,
        year_quarters.year_start
),

held_years as (
    -- every year of the months (a year held for a seller has months in it, or was changed)
    select to_char(spanned.year_start, 'YYYY') as period
    from generate_series(
        (
            select cast({{ dbt.date_trunc('year', 'min(monthly.order_month)') }} as timestamp)
            from {{ ref('mart_seller_performance') }} as monthly
        ),
        (
            select cast(max(monthly.order_month) as timestamp)
            from {{ ref('mart_seller_performance') }} as monthly
        ),
        interval '1 year'
    ) as spanned (year_start)
),

held_year_keys as materialized (
    select held_years.period, changed_sellers.seller_id
    from changed_sellers
    cross join held_years
),

seller_years as (
    -- the years of a changed seller: the changed ones just rolled up, and the others as held
    select
        years.seller_id,
        years.seller_state,
        years.seller_city,
        {{ leaderboard_rolled_columns('years') }}
    from years
    union all
    {{ leaderboard_rows_held('held_year_keys') }}
),

rolled_up as (
    select
        quarters.seller_id,
        quarters.seller_state,
        quarters.seller_city,
        'quarter' as period_kind,
        quarters.period_start,
        {{ leaderboard_rolled_columns('quarters') }}
    from quarters
    union all
    select
        years.seller_id,
        years.seller_state,
        years.seller_city,
        'year' as period_kind,
        years.period_start,
        {{ leaderboard_rolled_columns('years') }}
    from years
    union all
    select
        seller_years.seller_id,
        seller_years.seller_state,
        seller_years.seller_city,
        'all' as period_kind,
        cast(null as date) as period_start,
        {{ leaderboard_rolled_again('seller_years') }}
    from seller_years
    group by seller_years.seller_id, seller_years.seller_state, seller_years.seller_city
),

{%- else %}

seller_months as (
    select
        monthly.*,
        cast({{ dbt.date_trunc('quarter', 'monthly.order_month') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'monthly.order_month') }} as date) as year_start
    from {{ ref('mart_seller_performance') }} as monthly
),

rolled_up as (
    -- one pass over the months: a group per seller and quarter, per seller and year, and
    -- per seller over everything (grouping() tells which set a row belongs to)
    select
        seller_months.seller_id,
        seller_months.seller_state,
        seller_months.seller_city,
        case
            when grouping(seller_months.quarter_start) = 0 then 'quarter'
            when grouping(seller_months.year_start) = 0 then 'year'
            else 'all'
        end as period_kind,
        coalesce(seller_months.quarter_start, seller_months.year_start) as period_start,
        {{ leaderboard_rolled_from_months('seller_months') }}
    from seller_months
    group by
        seller_months.seller_id,
        seller_months.seller_state,
        seller_months.seller_city,
        grouping sets ((seller_months.quarter_start), (seller_months.year_start), ())
),

{%- endif %}

leaderboard as (
    select
        case rolled_up.period_kind
            when 'quarter' then to_char(rolled_up.period_start, 'YYYY-"Q"Q')
            when 'year' then to_char(rolled_up.period_start, 'YYYY')
            else 'all'
        end as period,
        rolled_up.period_kind,
        rolled_up.seller_id,
        rolled_up.seller_state,
        rolled_up.seller_city,
        rolled_up.first_month,
        rolled_up.last_month,
        cast(rolled_up.active_months as integer) as active_months,
        {{ money('rolled_up.seller_revenue') }} as seller_revenue,
        {{ money('rolled_up.freight_value') }} as freight_value,
        cast(rolled_up.items as bigint) as items,
        cast(rolled_up.orders as bigint) as orders,
        cast(rolled_up.reviewed_orders as bigint) as reviewed_orders,
        cast(rolled_up.review_score_sum as bigint) as review_score_sum,
        cast(rolled_up.delivered_orders as bigint) as delivered_orders,
        cast(rolled_up.on_time_orders as bigint) as on_time_orders,
        cast(rolled_up.late_shipments as bigint) as late_shipments,
        cast(rolled_up.last_batch_id as bigint) as last_batch_id
    from rolled_up
)

select * from leaderboard

{#- Every date the facts use, whole years, with Brazilian national holidays: the fixed dates
    plus Carnival (Monday and Tuesday) and Good Friday, which move with Easter. -#}
with

digits as (
    select 0 as digit union all select 1 union all select 2 union all select 3
    union all select 4 union all select 5 union all select 6 union all select 7
    union all select 8 union all select 9
),

numbers as (
    select ones.digit + 10 * tens.digit + 100 * hundreds.digit + 1000 * thousands.digit
        + 10000 * tenthousands.digit as n
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as tenthousands
),

used_dates as (
    select cast(order_purchase_timestamp as date) as date_day from {{ ref('stg_olist__orders') }}
    union all
    select order_estimated_delivery_date from {{ ref('stg_olist__orders') }}
    union all
    select cast(order_delivered_customer_at as date) from {{ ref('stg_olist__orders') }}
    union all
    select cast(shipping_limit_at as date) from {{ ref('stg_olist__order_items') }}
    union all
    select cast(review_answered_at as date) from {{ ref('stg_olist__order_reviews') }}
),

bounds as (
    select
        make_date(cast(min(extract(year from date_day)) as {{ dbt.type_int() }}), 1, 1)
            as first_day,
        make_date(cast(max(extract(year from date_day)) as {{ dbt.type_int() }}), 12, 31)
            as last_day
    from used_dates
),

spine as (
    select cast({{ dbt.dateadd('day', 'numbers.n', 'bounds.first_day') }} as date) as date_day
    from numbers
    cross join bounds
    where numbers.n <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}
),

years as (
    select distinct cast(extract(year from date_day) as {{ dbt.type_int() }}) as year
    from spine
),

easter as (
    select year, {{ easter_sunday('year') }} as easter_sunday
    from years
),

holidays as (
    select make_date(year, 1, 1) as holiday_date, 'Confraternização Universal' as holiday_name
    from years
    union all select make_date(year, 4, 21), 'Tiradentes' from years
    union all select make_date(year, 5, 1), 'Dia do Trabalho' from years
    union all select make_date(year, 9, 7), 'Independência do Brasil' from years
    union all select make_date(year, 10, 12), 'Nossa Senhora Aparecida' from years
    union all select make_date(year, 11, 2), 'Finados' from years
    union all select make_date(year, 11, 15), 'Proclamação da República' from years
    union all select make_date(year, 11, 20), 'Consciência Negra' from years where year >= 2024
    union all select make_date(year, 12, 25), 'Natal' from years
    union all
    select cast({{ dbt.dateadd('day', '-48', 'easter_sunday') }} as date), 'Carnaval (segunda)'
    from easter
    union all
    select cast({{ dbt.dateadd('day', '-47', 'easter_sunday') }} as date), 'Carnaval (terça)'
    from easter
    union all
    select cast({{ dbt.dateadd('day', '-2', 'easter_sunday') }} as date), 'Sexta-feira Santa'
    from easter
),

calendar as (
    select
        spine.date_day,
        cast(extract(year from spine.date_day) as {{ dbt.type_int() }}) as year,
        cast(extract(quarter from spine.date_day) as {{ dbt.type_int() }}) as quarter,
        cast(extract(month from spine.date_day) as {{ dbt.type_int() }}) as month,
        cast(extract(day from spine.date_day) as {{ dbt.type_int() }}) as day_of_month,
        cast(extract(week from spine.date_day) as {{ dbt.type_int() }}) as iso_week,
        cast({{ dbt.date_trunc('month', 'spine.date_day') }} as date) as month_start,
        {#- 1 = Monday ... 7 = Sunday, counted from a known Monday (2000-01-03), not from an
            engine's own weekday numbering. -#}
        cast(
            mod({{ dbt.datediff("cast('2000-01-03' as date)", 'spine.date_day', 'day') }} + 700000, 7)
            + 1 as {{ dbt.type_int() }}
        ) as day_of_week
    from spine
)

select
    calendar.*,
    case calendar.day_of_week
        when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday'
        when 4 then 'Thursday' when 5 then 'Friday' when 6 then 'Saturday' else 'Sunday'
    end as weekday_name,
    calendar.day_of_week >= 6 as is_weekend,
    holidays.holiday_name is not null as is_holiday,
    holidays.holiday_name
from calendar
left join holidays on calendar.date_day = holidays.holiday_date

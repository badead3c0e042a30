{#- Every date the facts use, whole years (int_dates_spanned), with Brazilian national
    holidays (int_holidays_brazil). -#}
with

spine as (
    select * from {{ ref('int_dates_spanned') }}
),

{#- Two holidays on one date (Good Friday on Tiradentes, as in 2000) keep one row per date. -#}
holidays as (
    select
        brazil.holiday_date,
        min(brazil.holiday_name) as holiday_name
    from {{ ref('int_holidays_brazil') }} as brazil
    group by brazil.holiday_date
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
    calendar.date_day,
    calendar.year,
    calendar.quarter,
    calendar.month,
    calendar.day_of_month,
    calendar.iso_week,
    calendar.month_start,
    calendar.day_of_week,
    case calendar.day_of_week
        when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday'
        when 4 then 'Thursday' when 5 then 'Friday' when 6 then 'Saturday' else 'Sunday'
    end as weekday_name,
    calendar.day_of_week >= 6 as is_weekend,
    holidays.holiday_name is not null as is_holiday,
    holidays.holiday_name
from calendar
left join holidays on calendar.date_day = holidays.holiday_date

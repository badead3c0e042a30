{#- Brazilian national holidays of every year the calendar spans: the fixed dates plus
    Carnival (Monday and Tuesday, 48 and 47 days before Easter) and Good Friday (2 days
    before), which move with Easter (macros/calendar.sql). -#}
{{ config(materialized='table') }}
with

years as (
    select distinct cast(extract(year from spanned.date_day) as {{ dbt.type_int() }}) as year
    from {{ ref('int_dates_spanned') }} as spanned
),

easter as (
    select
        years.year,
        {{ easter_sunday('years.year') }} as easter_sunday
    from years
),

holidays as (
    select make_date(years.year, 1, 1) as holiday_date, 'Confraternização Universal' as holiday_name
    from years
    union all select make_date(years.year, 4, 21), 'Tiradentes' from years
    union all select make_date(years.year, 5, 1), 'Dia do Trabalho' from years
    union all select make_date(years.year, 9, 7), 'Independência do Brasil' from years
    union all select make_date(years.year, 10, 12), 'Nossa Senhora Aparecida' from years
    union all select make_date(years.year, 11, 2), 'Finados' from years
    union all select make_date(years.year, 11, 15), 'Proclamação da República' from years
    union all
    select make_date(years.year, 11, 20), 'Consciência Negra' from years where years.year >= 2024
    union all select make_date(years.year, 12, 25), 'Natal' from years
    union all
    select cast({{ dbt.dateadd('day', '-48', 'easter.easter_sunday') }} as date), 'Carnaval (segunda)'
    from easter
    union all
    select cast({{ dbt.dateadd('day', '-47', 'easter.easter_sunday') }} as date), 'Carnaval (terça)'
    from easter
    union all
    select cast({{ dbt.dateadd('day', '-2', 'easter.easter_sunday') }} as date), 'Sexta-feira Santa'
    from easter
)

select
    holiday_date,
    holiday_name
from holidays

{#- Generic test: a rate or average kept beside the counts it is made of (so that dashboards add
    days or months up exactly) equals those counts divided and rounded to `decimals`, and is
    null when there is nothing to divide by; and `part` never exceeds `whole`. Failing rows are
    the model's rows with the stored and the rebuilt value. -#}
{% test rebuilds_from_counts(model, column_name, numerator, denominator, decimals, part, whole) %}
with

checked as (
    -- a CTE rather than an alias: the model may be a scoped subquery (macros/test_scope.sql)
    select * from {{ model }}
),

compared as (
    select
        checked.*,
        cast({{ column_name }} as numeric(12, 4)) as stored_value,
        round(cast({{ numerator }} as numeric) / nullif({{ denominator }}, 0), {{ decimals }})
            as rebuilt_value,
        {{ part }} > {{ whole }} as part_exceeds_whole
    from checked
)

select *
from compared
where
    stored_value <> rebuilt_value
    or (stored_value is null) <> (rebuilt_value is null)
    or part_exceeds_whole
{% endtest %}

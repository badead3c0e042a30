{#- The marts' reconciliation tests (tests/assert_*_marts_reconcile_with_facts.sql): each
    compares the totals of one family of marts with the same totals taken from the facts, and
    returns one row per total that differs, with both values. One test per family, not one
    for all: each runs as soon as its own marts are built, beside the others, and a failure
    is reported on the mart it concerns. The facts are read whole (not scoped to a night's
    batches): these tests are the independent check of the marts' incremental logic. -#}

{#- Totals of the counted orders in fact_orders (`columns`: which of them). -#}
{% macro fact_order_totals(columns) -%}
    {%- set totals = {
        'counted_orders': 'sum(case when orders.is_counted then 1 else 0 end)',
        'gmv': 'sum(case when orders.is_counted then orders.order_value else 0 end)',
        'items': 'sum(case when orders.is_counted then orders.items else 0 end)',
        'delivered_orders': 'sum(case when orders.is_delivered then 1 else 0 end)',
        'canceled_orders': "sum(case when orders.order_status = 'canceled' then 1 else 0 end)",
    } -%}
    select
        {%- for column in columns %}
        {{ totals[column] }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('fact_orders') }} as orders
{%- endmacro %}

{#- `comparisons`: (name of the total, mart side, fact side, the CTEs they read, joined by a
    cross join). Totals are compared as numeric(18, 2); null on one side only differs. -#}
{% macro totals_that_differ(comparisons) -%}
comparisons as (
    {%- for name, mart_total, fact_total, sources in comparisons %}
    select
        '{{ name }}' as total_name,
        cast({{ mart_total }} as numeric(18, 2)) as mart_total,
        cast({{ fact_total }} as numeric(18, 2)) as fact_total
    from {{ sources }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
)

select
    comparisons.total_name,
    comparisons.mart_total,
    comparisons.fact_total
from comparisons
where comparisons.mart_total is distinct from comparisons.fact_total
{%- endmacro %}

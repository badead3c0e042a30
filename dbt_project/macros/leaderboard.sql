{#- The counts a row of mart_seller_leaderboard sums over its months (BUSINESS_RULES.md,
    Sellers). With first_month (a min), last_month (a max), active_months (a count) and
    last_batch_id (a max), every column of a row rolls up again: a year from its quarters,
    the whole history from its years. -#}
{% macro leaderboard_sums() -%}
    {{ return(['seller_revenue', 'freight_value', 'items', 'orders', 'reviewed_orders',
               'review_score_sum', 'delivered_orders', 'on_time_orders', 'late_shipments']) }}
{%- endmacro %}

{#- The rolled-up columns of the months of mart_seller_performance as `alias`, in a group by. -#}
{% macro leaderboard_rolled_from_months(alias) -%}
    min({{ alias }}.order_month) as first_month,
    max({{ alias }}.order_month) as last_month,
    count(*) as active_months,
    {%- for column in leaderboard_sums() %}
    sum({{ alias }}.{{ column }}) as {{ column }},
    {%- endfor %}
    max({{ alias }}.last_batch_id) as last_batch_id
{%- endmacro %}

{#- The rolled-up columns of leaderboard rows as `alias`, as they are. -#}
{% macro leaderboard_rolled_columns(alias) -%}
    {{ alias }}.first_month,
    {{ alias }}.last_month,
    {{ alias }}.active_months,
    {%- for column in leaderboard_sums() %}
    {{ alias }}.{{ column }},
    {%- endfor %}
    {{ alias }}.last_batch_id
{%- endmacro %}

{#- The rolled-up columns of leaderboard rows as `alias`, rolled up again in a group by. -#}
{% macro leaderboard_rolled_again(alias) -%}
    min({{ alias }}.first_month) as first_month,
    max({{ alias }}.last_month) as last_month,
    sum({{ alias }}.active_months) as active_months,
    {%- for column in leaderboard_sums() %}
    sum({{ alias }}.{{ column }}) as {{ column }},
    {%- endfor %}
    max({{ alias }}.last_batch_id) as last_batch_id
{%- endmacro %}

{#- The rows mart_seller_leaderboard holds for the (period, seller_id) pairs of `keys`, looked up
    through its unique index on them; `extra`, when given, is a column of `keys` (with a
    trailing comma) to put after the seller's. -#}
{% macro leaderboard_rows_held(keys, extra='') -%}
    select
        held.seller_id,
        held.seller_state,
        held.seller_city,
        {{ extra }}
        {{ leaderboard_rolled_columns('held') }}
    from {{ keys }}
    inner join {{ this }} as held
        on held.period = {{ keys }}.period
        and held.seller_id = {{ keys }}.seller_id
{%- endmacro %}

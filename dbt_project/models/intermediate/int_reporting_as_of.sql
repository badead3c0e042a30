{#- The reporting as-of date (BUSINESS_RULES.md, Time and money), one row: var as_of_date,
    else the latest purchase date in the data. Stored once per build, so that the rules
    relative to it (segments in dim_customer, recency in mart_customer_analytics, the last
    month of cohort retention) read one row instead of every order. -#}
{{ config(materialized='table') }}
{%- if var('as_of_date') %}
select cast('{{ var("as_of_date") }}' as date) as as_of_date
{%- else %}
select max(cast(order_purchase_timestamp as date)) as as_of_date
from {{ ref('stg_olist__orders') }}
{%- endif %}

{#- The reporting as-of date (BUSINESS_RULES.md, Time and money), one row: the latest purchase
    date in the data, or var as_of_date. Stored once per build, so that the rules relative to
    it (segments in dim_customer, recency in mart_customer_analytics) read one row instead of
    every order. -#}
{{ config(materialized='table') }}
{{ as_of_date_query() }}

{#- One row per review of an order; is_latest flags the review that counts (the latest by
    answer timestamp, then creation date: int_order_reviews_ranked). Title and message are
    masked in staging. Incremental on batches: see macros/incremental.sql. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['review_id', 'order_id'],
    on_schema_change='fail',
    indexes=[
        {'columns': ['review_id', 'order_id'], 'unique': True},
        {'columns': ['last_batch_id']}
    ]
) }}
with

reviews as (
    select * from {{ ref('int_order_reviews_ranked') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
)

select
    reviews.review_id,
    reviews.order_id,
    orders.customer_unique_id,
    orders.order_date,
    orders.is_counted,
    reviews.review_score,
    reviews.review_comment_title,
    reviews.review_comment_message,
    reviews.review_creation_date,
    reviews.review_answered_at,
    reviews.is_latest,
    reviews.order_reviews,
    reviews.batch_id,
    orders.last_batch_id
from reviews
inner join orders on reviews.order_id = orders.order_id
{% if is_incremental() %}
where reviews.order_id in ({{ enriched_orders_changed() }})
{% endif %}

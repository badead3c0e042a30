{#- Every review, ranked within its order: the latest (by answer timestamp, then creation
    date) is the one that counts (BUSINESS_RULES.md, Products, sellers, reviews).
    Incremental: every review of an order with a review in a newer batch is ranked again
    (macros/incremental.sql). -#}
{{ config(
    unique_key=['review_id', 'order_id'],
    indexes=[
        {'columns': ['review_id', 'order_id'], 'unique': True},
        {'columns': ['order_id']},
        {'columns': ['batch_id']}
    ]
) }}
with

reviews as (
    select * from {{ ref('stg_olist__order_reviews') }}
    {% if is_incremental() -%}
    where order_id in (
        select changed.order_id
        from {{ ref('stg_olist__order_reviews') }} as changed
        where changed.batch_id > {{ processed_batch_watermark('order_reviews_last_batch_id') }}
    )
    {%- endif %}
),

ranked as (
    select
        reviews.review_id,
        reviews.order_id,
        reviews.review_score,
        reviews.review_comment_title,
        reviews.review_comment_message,
        reviews.review_creation_date,
        reviews.review_answered_at,
        reviews.batch_id,
        row_number() over (
            partition by reviews.order_id
            order by
                case when reviews.review_answered_at is null then 1 else 0 end,
                reviews.review_answered_at desc,
                case when reviews.review_creation_date is null then 1 else 0 end,
                reviews.review_creation_date desc,
                reviews.review_id desc
        ) as review_rank,
        count(*) over (partition by reviews.order_id) as order_reviews,
        max(reviews.batch_id) over (partition by reviews.order_id) as order_reviews_last_batch_id
    from reviews
)

select
    *,
    review_rank = 1 as is_latest
from ranked

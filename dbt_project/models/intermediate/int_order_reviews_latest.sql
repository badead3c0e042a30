{#- The review that counts for each order (ranked in int_order_reviews_ranked). Incremental:
    orders whose reviews were ranked again are merged (macros/incremental.sql). -#}
{{ config(
    unique_key='order_id',
    indexes=[
        {'columns': ['order_id'], 'unique': True},
        {'columns': ['last_batch_id']}
    ]
) }}
select
    order_id,
    review_id,
    review_score,
    review_creation_date,
    review_answered_at,
    order_reviews,
    order_reviews_last_batch_id as last_batch_id
from {{ ref('int_order_reviews_ranked') }}
where
    is_latest
    {% if is_incremental() -%}
    and order_reviews_last_batch_id > {{ processed_batch_watermark() }}
    {%- endif %}

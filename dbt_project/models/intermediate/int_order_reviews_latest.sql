{#- The review that counts for each order (ranked in int_order_reviews_ranked). -#}
select
    order_id,
    review_id,
    review_score,
    review_creation_date,
    review_answered_at,
    order_reviews,
    order_reviews_last_batch_id as last_batch_id
from {{ ref('int_order_reviews_ranked') }}
where is_latest

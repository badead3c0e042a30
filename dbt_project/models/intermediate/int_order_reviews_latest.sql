{#- An order with several reviews counts its latest: by answer timestamp, then creation date. -#}
with ranked as (
    select
        *,
        row_number() over (
            partition by order_id
            order by
                case when review_answered_at is null then 1 else 0 end,
                review_answered_at desc,
                case when review_creation_date is null then 1 else 0 end,
                review_creation_date desc,
                review_id desc
        ) as review_rank
    from {{ ref('stg_olist__order_reviews') }}
)

select
    order_id,
    review_id,
    review_score,
    review_creation_date,
    review_answered_at
from ranked
where review_rank = 1

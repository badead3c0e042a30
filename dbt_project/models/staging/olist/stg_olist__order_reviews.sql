{{ config(
    unique_key=['review_id', 'order_id'],
    indexes=[
        {'columns': ['review_id', 'order_id'], 'unique': True},
        {'columns': ['order_id']},
        {'columns': ['batch_id']}
    ]
) }}
with

source as (
    {{ latest_by_key(source('olist', 'olist_order_reviews'), ['review_id', 'order_id']) }}
),

renamed as (
    select
        review_id,
        order_id,
        {{ typed('review_score', dbt.type_int()) }} as review_score,
        {{ mask_pii("nullif(review_comment_title, '')") }} as review_comment_title,
        {{ mask_pii("nullif(review_comment_message, '')") }} as review_comment_message,
        cast({{ typed('review_creation_date', dbt.type_timestamp()) }} as date)
            as review_creation_date,
        {{ typed('review_answer_timestamp', dbt.type_timestamp()) }} as review_answered_at,
        _batch_id as batch_id
    from source
)

select * from renamed

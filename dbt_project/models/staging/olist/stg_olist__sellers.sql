{{ config(
    unique_key='seller_id',
    indexes=[
        {'columns': ['seller_id'], 'unique': True}
    ]
) }}
with

source as (
    {{ latest_by_key(source('olist', 'olist_sellers'), ['seller_id']) }}
),

renamed as (
    select
        seller_id,
        seller_zip_code_prefix,
        seller_city,
        upper(seller_state) as seller_state,
        _batch_id as batch_id
    from source
)

select * from renamed

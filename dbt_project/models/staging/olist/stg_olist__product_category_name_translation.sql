{{ config(materialized='view') }}
with

source as (
    {{ latest_by_key(source('olist', 'product_category_name_translation'), ['product_category_name']) }}
),

renamed as (
    select
        product_category_name,
        nullif(product_category_name_english, '') as product_category_name_english
    from source
)

select * from renamed

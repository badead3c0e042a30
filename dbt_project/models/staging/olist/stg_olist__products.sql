{{ config(
    unique_key='product_id',
    indexes=[
        {'columns': ['product_id'], 'unique': True}
    ]
) }}
with

source as (
    {{ latest_by_key(source('olist', 'olist_products'), ['product_id']) }}
),

renamed as (
    select
        product_id,
        nullif(product_category_name, '') as product_category_name,
        {{ typed('product_name_lenght', dbt.type_int()) }} as product_name_length,
        {{ typed('product_description_lenght', dbt.type_int()) }} as product_description_length,
        {{ typed('product_photos_qty', dbt.type_int()) }} as product_photos_qty,
        {{ typed('product_weight_g', dbt.type_int()) }} as product_weight_g,
        {{ typed('product_length_cm', dbt.type_int()) }} as product_length_cm,
        {{ typed('product_height_cm', dbt.type_int()) }} as product_height_cm,
        {{ typed('product_width_cm', dbt.type_int()) }} as product_width_cm,
        _batch_id as batch_id
    from source
)

select * from renamed

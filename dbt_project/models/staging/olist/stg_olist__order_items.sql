{{ config(
    unique_key=['order_id', 'order_item_id'],
    indexes=[
        {'columns': ['order_id', 'order_item_id'], 'unique': True},
        {'columns': ['batch_id']}
    ]
) }}
with

source as (
    {{ latest_by_key(source('olist', 'olist_order_items'), ['order_id', 'order_item_id']) }}
),

renamed as (
    select
        order_id,
        {{ typed('order_item_id', dbt.type_int()) }} as order_item_id,
        product_id,
        seller_id,
        {{ typed('shipping_limit_date', dbt.type_timestamp()) }} as shipping_limit_at,
        {{ money(typed('price', dbt.type_numeric()), 12) }} as price,
        {{ money(typed('freight_value', dbt.type_numeric()), 12) }} as freight_value,
        _batch_id as batch_id
    from source
)

select * from renamed

{{ config(
    unique_key='order_id',
    indexes=[
        {'columns': ['order_id'], 'unique': True},
        {'columns': ['customer_id']},
        {'columns': ['batch_id']}
    ]
) }}
with

source as (
    {{ latest_by_key(source('olist', 'olist_orders'), ['order_id']) }}
),

renamed as (
    select
        order_id,
        customer_id,
        order_status,
        {{ typed('order_purchase_timestamp', dbt.type_timestamp()) }} as order_purchase_timestamp,
        {{ typed('order_approved_at', dbt.type_timestamp()) }} as order_approved_at,
        {{ typed('order_delivered_carrier_date', dbt.type_timestamp()) }}
            as order_delivered_carrier_at,
        {{ typed('order_delivered_customer_date', dbt.type_timestamp()) }}
            as order_delivered_customer_at,
        cast({{ typed('order_estimated_delivery_date', dbt.type_timestamp()) }} as date)
            as order_estimated_delivery_date,
        _batch_id as batch_id
    from source
)

select * from renamed

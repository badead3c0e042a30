{{ config(
    unique_key=['order_id', 'payment_sequential'],
    indexes=[
        {'columns': ['order_id', 'payment_sequential'], 'unique': True},
        {'columns': ['batch_id']}
    ]
) }}
with

source as (
    {{ latest_by_key(source('olist', 'olist_order_payments'), ['order_id', 'payment_sequential']) }}
),

renamed as (
    select
        order_id,
        {{ typed('payment_sequential', dbt.type_int()) }} as payment_sequential,
        payment_type,
        {{ typed('payment_installments', dbt.type_int()) }} as payment_installments,
        {{ money(typed('payment_value', dbt.type_numeric()), 12) }} as payment_value,
        _batch_id as batch_id
    from source
)

select * from renamed

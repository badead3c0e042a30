{{ config(
    unique_key='customer_id',
    indexes=[
        {'columns': ['customer_id'], 'unique': True},
        {'columns': ['customer_unique_id']},
        {'columns': ['batch_id']}
    ]
) }}
with

source as (
    {{ latest_by_key(source('olist', 'olist_customers'), ['customer_id']) }}
),

renamed as (
    select
        customer_id,
        customer_unique_id,
        customer_zip_code_prefix,
        customer_city,
        upper(customer_state) as customer_state,
        _batch_id as batch_id,
        _row_number as row_number_in_batch
    from source
)

select * from renamed

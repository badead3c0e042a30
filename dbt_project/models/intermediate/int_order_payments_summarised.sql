{#- One row per order with payments. Incremental: orders with a payment in a newer batch are
    summed again (macros/incremental.sql). -#}
{{ config(
    unique_key='order_id',
    indexes=[
        {'columns': ['order_id'], 'unique': True},
        {'columns': ['last_batch_id']}
    ]
) }}
select
    order_id,
    count(*) as payments,
    {{ money('sum(payment_value)') }} as payment_value,
    max(payment_installments) as max_installments,
    max(batch_id) as last_batch_id
from {{ ref('stg_olist__order_payments') }}
{% if is_incremental() -%}
where order_id in (
    select changed.order_id
    from {{ ref('stg_olist__order_payments') }} as changed
    where changed.batch_id > {{ processed_batch_watermark() }}
)
{% endif -%}
group by order_id

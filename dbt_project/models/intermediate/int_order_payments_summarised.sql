select
    order_id,
    count(*) as payments,
    {{ money('sum(payment_value)') }} as payment_value,
    max(payment_installments) as max_installments,
    max(batch_id) as last_batch_id
from {{ ref('stg_olist__order_payments') }}
group by order_id

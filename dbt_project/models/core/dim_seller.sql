select
    seller_id,
    seller_zip_code_prefix,
    seller_city,
    seller_state,
    batch_id
from {{ ref('stg_olist__sellers') }}

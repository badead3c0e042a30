{{ config(materialized='view') }}
{#- No key in the source: every point is kept; dim_geolocation reduces them per prefix. -#}
with

source as (
    select * from {{ source('olist', 'olist_geolocation') }}
),

renamed as (
    select
        geolocation_zip_code_prefix as zip_code_prefix,
        {{ typed('geolocation_lat', dbt.type_numeric()) }} as latitude,
        {{ typed('geolocation_lng', dbt.type_numeric()) }} as longitude,
        geolocation_city as city,
        upper(geolocation_state) as state,
        _batch_id as batch_id
    from source
)

select * from renamed

{#- The snapshots' comparison (snapshots/_snapshots.yml) reads the open versions of the keys
    the snapshot's query returns, not every open version. dbt's staging query materializes
    every open version once (a CTE it reads twice) to join the query's rows with them: all
    331,000 products of the million-order warehouse, 65 MB spilled to disk, 0.37 s of a
    night that brings 186 changed products. With hard deletes ignored (the setting of both
    snapshots here) no other version takes part: a key the query does not return is left as
    it is. Any other setting, or a unique key of several columns, gets dbt's query unchanged. -#}
{% macro postgres__snapshot_staging_table(strategy, source_sql, target_relation) -%}
    {%- if strategy.hard_deletes == 'ignore' and strategy.unique_key is string -%}
        {%- set key = strategy.unique_key -%}
        {%- set open_versions_of_the_keys -%}
        (
            select * from {{ target_relation }}
            where {{ key }} in (
                select snapshot_rows.{{ key }} from (
                    {{ source_sql }}
                ) as snapshot_rows
            )
        ) as open_versions
        {%- endset -%}
        {{ return(dbt.default__snapshot_staging_table(strategy, source_sql, open_versions_of_the_keys)) }}
    {%- endif -%}
    {{ return(dbt.default__snapshot_staging_table(strategy, source_sql, target_relation)) }}
{%- endmacro %}

{#- Tests scoped to what a build wrote.

    An incremental build rewrites only the rows of newer batches, so its tests need to read
    only those: the orchestrator sets OLIST_TESTS_SINCE_BATCH, the newest batch the last
    build whose tests all passed had seen (orchestration/assets/dbt.py). Every generic test
    then reads its model through this override of dbt's get_where_subquery: the rows whose
    batch column (last_batch_id, else batch_id) is newer. A model without a batch column (it
    is rebuilt in full) is tested in full, and so is everything when it is not set (a full
    refresh, the first build, `make dbt`). Relationship tests scope their child side only: a
    new row must still find its parent anywhere. An environment variable read only when the
    tests run, not a --vars value: dbt parses the whole project again whenever --vars
    change. -#}

{% macro get_where_subquery(relation) -%}
    {{- return(scoped_relation(relation, tested_batch_column(relation))) -}}
{%- endmacro %}

{# The relation as a test reads it: its rows of batches newer than OLIST_TESTS_SINCE_BATCH
   when `column` (its batch column, or none) is given and the variable is set, and the
   test's `where` config. #}
{% macro scoped_relation(relation, column) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- do conditions.append(where) -%}
    {%- endif -%}
    {%- if column and execute and env_var('OLIST_TESTS_SINCE_BATCH', '') != '' -%}
        {%- set since = env_var('OLIST_TESTS_SINCE_BATCH') | int -%}
        {%- do conditions.append(adapter.quote(column) ~ ' > ' ~ since) -%}
    {%- endif -%}
    {%- if conditions -%}
        (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{# The batch column tests scope on, or none: when the tests run, OLIST_TESTS_SINCE_BATCH is
   set and the relation has last_batch_id or batch_id. Asked of the catalog for these two
   names: dbt's get_columns_in_relation reads information_schema and types every column into
   an agate table, 18 ms a call against 5 ms. Asked once per relation and dbt invocation
   (run_query_once): the hundred tests of a night test about forty relations, none of which
   changes its columns once its tests start. #}
{% macro tested_batch_column(relation) -%}
    {%- if not execute or env_var('OLIST_TESTS_SINCE_BATCH', '') == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query_once(
        "select attname from pg_catalog.pg_attribute where attrelid = to_regclass('"
        ~ relation.include(database=false) ~ "') and attnum > 0 and not attisdropped"
        ~ " and attname in ('last_batch_id', 'batch_id')"
    ) -%}
    {{- return(batch_column_among(found.columns[0].values() | list)) -}}
{%- endmacro %}

{# Which of a relation's column `names` tests scope on: last_batch_id (the newest batch
   that changed the row), else batch_id, else none. #}
{% macro batch_column_among(names) -%}
    {%- for candidate in ['last_batch_id', 'batch_id'] if candidate in names -%}
        {{ return(candidate) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

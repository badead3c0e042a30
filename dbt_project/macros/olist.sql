{#- Small helpers shared by the models. Anything engine-specific is dispatched by adapter so
    the project can move to another engine (see DESIGN.md, Portability). -#}

{# Empty text is a missing value; cast what remains to the contract's type. #}
{% macro typed(column, type) -%}
    cast(nullif({{ column }}, '') as {{ type }})
{%- endmacro %}

{# Money is BRL with two decimals (BUSINESS_RULES.md, Time and money). #}
{% macro money(expression, precision=14) -%}
    cast({{ expression }} as numeric({{ precision }}, 2))
{%- endmacro %}

{# Latest version of each key: files are snapshots or deltas, the last batch wins. In an
   incremental staging model, among the batches newer than the table only; the merge on the
   key then replaces older versions (macros/incremental.sql).
   The filter is written `<= 1` (the same rows as `= 1`, ranks start at 1) on purpose: a
   planner without statistics on a window result estimates `= 1` at a handful of rows and
   then joins the versioned views with nested loops (minutes at 20,000 orders instead of
   seconds); an inequality is estimated at a third of the rows and gets hash joins. #}
{% macro latest_by_key(relation, key_columns, order_by='_batch_id desc, _row_number desc') -%}
    select *
    from (
        select
            src.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_by }}
            ) as _version_rank
        from {{ relation }} as src
        {%- if is_incremental() %}
        -- only batches newer than the table's (raw partitions of older batches are pruned)
        where src._batch_id > {{ processed_batch_watermark('batch_id') }}
        {%- endif %}
    ) as versions
    where _version_rank <= 1
{%- endmacro %}

{# Review text is personal data under LGPD: mask e-mail addresses and phone numbers. #}
{% macro mask_pii(column) -%}
    {{ return(adapter.dispatch('mask_pii')(column)) }}
{%- endmacro %}

{% macro default__mask_pii(column) -%}
    regexp_replace(
        regexp_replace(
            {{ column }},
            '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}', '[email]'
        ),
        '([+]?55[ ]?)?[(]?[0-9]{2}[)]?[ ]?9?[0-9]{4}[ -]?[0-9]{4}', '[phone]'
    )
{%- endmacro %}

{% macro postgres__mask_pii(column) -%}
    regexp_replace(
        regexp_replace(
            {{ column }},
            '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}', '[email]', 'g'
        ),
        '([+]?55[ ]?)?[(]?[0-9]{2}[)]?[ ]?9?[0-9]{4}[ -]?[0-9]{4}', '[phone]', 'g'
    )
{%- endmacro %}

{# Days between two timestamps as a fraction (delivery days). #}
{% macro fractional_days(start_ts, end_ts) -%}
    cast({{ dbt.datediff(start_ts, end_ts, 'second') }} as numeric(18, 6)) / 86400
{%- endmacro %}

{# Median of a column within a group (dim_geolocation). percentile_cont is the ANSI form;
   Spark spells it percentile(). #}
{% macro median(column) -%}
    {{ return(adapter.dispatch('median')(column)) }}
{%- endmacro %}

{% macro default__median(column) -%}
    percentile_cont(0.5) within group (order by {{ column }})
{%- endmacro %}

{% macro spark__median(column) -%}
    percentile({{ column }}, 0.5)
{%- endmacro %}

{# True where a text matches a regular expression (POSIX syntax), for tests and checks. #}
{% macro regex_matches(column, pattern) -%}
    {{ return(adapter.dispatch('regex_matches')(column, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(column, pattern) -%}
    regexp_like({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_matches(column, pattern) -%}
    {{ column }} ~ '{{ pattern }}'
{%- endmacro %}

{% macro spark__regex_matches(column, pattern) -%}
    {{ column }} rlike '{{ pattern }}'
{%- endmacro %}


{#- Fresh planner statistics for a table the build just wrote (a post-hook of every model;
    views have none). The next models, the tests and the dashboards query it at once, before
    autovacuum passes: a merged delta whose batch ids lie above the old histogram looks empty
    to the planner, which then picks nested loops over the whole table (a reconciliation
    test at a million orders took 24 s instead of 0.4 s), and a new table has no statistics
    at all (a top-N query then picks the wrong index).
    A table rebuilt in full gets every column analyzed. An incremental merge into a table
    analyzed before changes little but its batch column, whose new ids every delta filter
    asks for: only that column is analyzed again (a quarter of the cost at a million rows);
    the row count is refreshed either way.
    The sample is 300 rows per unit of `statistics_target` (default 30: 9,000 rows, where the
    server's default of 100 samples 30,000): row counts, distinct counts, the batch histogram
    and the marts' filter columns come out the same for planning, at a quarter of the cost
    (0.53 s -> 0.13 s for dim_customer at a million rows; 36 tables a full build). The batch
    column alone, which holds a dozen values, needs fewer: `batch_statistics_target` (default
    10: 3,000 rows). At a million orders a delta's 10,708 orders were then estimated at 6,729
    and the leaderboard's 26,415 changed rows at 24,684, and each of a nightly's 38 analyses
    took 12 ms instead of 40 to 60. -#}
{% macro analyze_built_table() -%}
    {%- if execute and model.config.materialized in ('table', 'incremental') -%}
        {%- set batch_columns = [] -%}
        {%- if model.config.materialized == 'incremental' and not flags.FULL_REFRESH -%}
            {%- set analyzed = run_query(
                "select attname from pg_stats where schemaname = '" ~ this.schema
                ~ "' and tablename = '" ~ this.identifier
                ~ "' and attname in ('batch_id', 'last_batch_id')"
            ) -%}
            {%- set batch_columns = analyzed.columns[0].values() | list -%}
        {%- endif -%}
        {%- set target = var('batch_statistics_target') if batch_columns else var('statistics_target') %}
        set local default_statistics_target = {{ target | int }};
        analyze {{ this }}{% if batch_columns %} ({{ batch_columns | join(', ') }}){% endif %}
    {%- endif -%}
{%- endmacro %}

{#- Privacy (LGPD): no e-mail address or phone number reaches core or marts. Every text
    column of every model and snapshot in those schemas is scanned (the list comes from the
    project graph, so new models are covered without editing this test). One row per
    column that still holds a match. Tables with a batch column are scanned from the newer
    batches only when the orchestrator says so (macros/test_scope.sql). Views are skipped:
    they show the columns of the tables scanned here (mart_customer_analytics is a view of
    dim_customer), and scanning them would read those tables twice. It runs after every mart
    (the depends_on lines): a table being replaced while it is scanned would wait for it. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fact_reviews'}}}) }}
-- depends_on: {{ ref('mart_executive_dashboard') }}
-- depends_on: {{ ref('mart_customer_analytics') }}
-- depends_on: {{ ref('mart_cohort_retention') }}
-- depends_on: {{ ref('mart_seller_performance') }}
-- depends_on: {{ ref('mart_delivery_performance') }}
-- depends_on: {{ ref('mart_category_sales') }}
-- depends_on: {{ ref('mart_customer_segments') }}
-- depends_on: {{ ref('mart_seller_leaderboard') }}
-- depends_on: {{ ref('mart_seller_period_totals') }}
-- depends_on: {{ ref('dim_geolocation') }}
-- depends_on: {{ ref('fact_payments') }}
-- depends_on: {{ ref('fact_reviews') }}
{%- set email = '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}' -%}
{#- A phone number: area code and 8 or 9 digits, or a hyphenated local number; standing
    alone, so that hex ids and 8-digit zip codes (a real quirk of seller_city) do not match. -#}
{%- set phone = '(^|[^0-9A-Za-z])([(]?[0-9]{2}[)]?[ ]?9?[0-9]{4}[ -]?[0-9]{4}|[0-9]{4,5}-[0-9]{4})([^0-9A-Za-z]|$)' -%}
{#- Cheap necessary conditions first, so the costly patterns run on few values (the ids
    that fill most text columns fail both): an e-mail has an @; a phone number stands alone,
    so its text has a character that is not a letter or digit, or is nothing but digits. -#}
{%- set phone_possible = '[^0-9A-Za-z]|^[0-9]+$' -%}
{#- One scan per table, every text column counted in it (a scan per column read the
    big facts a dozen times). The tables, their text columns and their batch columns come
    from one catalog query: asked table by table (dbt's column lookup and the batch column
    of macros/test_scope.sql), they were 36 queries, 0.4 s at the very end of every build. -#}
{%- set scans = [] -%}
{%- if execute -%}
    {%- set catalog = run_query(
        "select n.nspname, c.relname, a.attname, t.typcategory = 'S' "
        ~ "from pg_catalog.pg_class as c "
        ~ "join pg_catalog.pg_namespace as n on n.oid = c.relnamespace "
        ~ "join pg_catalog.pg_attribute as a on a.attrelid = c.oid "
        ~ "join pg_catalog.pg_type as t on t.oid = a.atttypid "
        ~ "where n.nspname in ('core', 'marts') and c.relkind in ('r', 'p') "
        ~ "and a.attnum > 0 and not a.attisdropped "
        ~ "and (t.typcategory = 'S' or a.attname in ('last_batch_id', 'batch_id')) "
        ~ "order by n.nspname, c.relname, a.attnum"
    ) -%}
    {%- set tables = {} -%}
    {%- for schema, table, column, is_text in catalog.rows -%}
        {%- do tables.setdefault(schema ~ '.' ~ table, []).append((column, is_text)) -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ['model', 'snapshot'] and node.schema in ['core', 'marts']
        and (node.schema ~ '.' ~ node.alias) in tables -%}
        {%- set columns = tables[node.schema ~ '.' ~ node.alias] -%}
        {%- set batch_column = batch_column_among(columns | map(attribute=0) | list) -%}
        {%- set relation = api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- set counts = [] -%}
        {%- set labels = [] -%}
        {%- for name, is_text in columns if is_text -%}
            {%- set quoted = adapter.quote(name) -%}
            {%- do counts.append(
                "count(*) filter (where (strpos(" ~ quoted ~ ", '@') > 0 and "
                ~ regex_matches(quoted, email) ~ ") or ("
                ~ regex_matches(quoted, phone_possible) ~ " and "
                ~ regex_matches(quoted, phone) ~ ")) as matches_" ~ loop.index
            ) -%}
            {%- do labels.append("('" ~ name ~ "', totals.matches_" ~ loop.index ~ ")") -%}
        {%- endfor -%}
        {%- if counts -%}
            {%- do scans.append(
                "select '" ~ node.schema ~ "." ~ node.alias ~ "' as relation_name, "
                ~ "counted.column_name, counted.matches from (select "
                ~ counts | join(', ') ~ " from " ~ scoped_relation(relation, batch_column)
                ~ ") as totals cross join lateral (values " ~ labels | join(', ')
                ~ ") as counted (column_name, matches)"
            ) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}
with scans as (
{%- if scans %}
    {{ scans | join('\n    union all\n    ') }}
{%- else %}
    select 'none' as relation_name, 'none' as column_name, 0 as matches
{%- endif %}
)

select
    scans.relation_name,
    scans.column_name,
    scans.matches
from scans
where scans.matches > 0

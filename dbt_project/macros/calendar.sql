{#- Easter Sunday of a year (anonymous Gregorian algorithm), written with floor() and mod()
    so it does not depend on integer division, which engines disagree on. -#}
{% macro easter_sunday(year) -%}
    {%- set y = year -%}
    {%- set a = "mod(" ~ y ~ ", 19)" -%}
    {%- set b = "floor(" ~ y ~ " / 100.0)" -%}
    {%- set c = "mod(" ~ y ~ ", 100)" -%}
    {%- set d = "floor(" ~ b ~ " / 4.0)" -%}
    {%- set e = "mod(" ~ b ~ ", 4)" -%}
    {%- set f = "floor((" ~ b ~ " + 8) / 25.0)" -%}
    {%- set g = "floor((" ~ b ~ " - " ~ f ~ " + 1) / 3.0)" -%}
    {%- set h = "mod(19 * " ~ a ~ " + " ~ b ~ " - " ~ d ~ " - " ~ g ~ " + 15, 30)" -%}
    {%- set i = "floor(" ~ c ~ " / 4.0)" -%}
    {%- set k = "mod(" ~ c ~ ", 4)" -%}
    {%- set l = "mod(32 + 2 * " ~ e ~ " + 2 * " ~ i ~ " - " ~ h ~ " - " ~ k ~ ", 7)" -%}
    {%- set m = "floor((" ~ a ~ " + 11 * " ~ h ~ " + 22 * " ~ l ~ ") / 451.0)" -%}
    {%- set n = "(" ~ h ~ " + " ~ l ~ " - 7 * " ~ m ~ " + 114)" -%}
    make_date(
        cast({{ y }} as {{ dbt.type_int() }}),
        cast(floor({{ n }} / 31.0) as {{ dbt.type_int() }}),
        cast(mod({{ n }}, 31) + 1 as {{ dbt.type_int() }})
    )
{%- endmacro %}

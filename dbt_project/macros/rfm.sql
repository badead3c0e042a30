{#- RFM scores (BUSINESS_RULES.md, Customers and segments): the bucket ends and the scoring.

    Each score is ntile(5) over the people with a counted order (the buyers), ordered by the
    measure's key and then customer_unique_id in byte order (collate "C": the hex ids sort the
    same, and a sort on most ties that compares bytes takes half the time of one with the
    locale's rules). ntile(5) over n rows makes buckets of n / 5 rows, the first n mod 5 of
    them one row larger, so a person's bucket is fixed by the last (key, id) of each of the
    first four buckets: its end. int_rfm_ends_found keeps the twelve ends in one row
    (`<measure>_key_<bucket>`, `<measure>_id_<bucket>`), and mart_customer_analytics scores
    every person by comparing the person's key with them (rfm_score).

    A score is not stored with the person: the ends move with every new buyer, and a night
    that stored the scores rewrote the tens of thousands of people an end passed (22,700 of
    the 33,240 rows dim_customer merged in a 1M nightly). -#}

{#- (measure, key over the alias `ranked.`, type of the key), in the order of rfm_cell. -#}
{% macro rfm_measures() -%}
    {{ return([
        ('recency', 'cast(ranked.last_counted_order_at as date)', 'date'),
        ('frequency', 'ranked.counted_orders', dbt.type_bigint()),
        ('monetary', 'ranked.lifetime_spend', 'numeric(14, 2)'),
    ]) }}
{%- endmacro %}

{%- macro rfm_key(key, alias) -%}
    {{ key | replace('ranked.', alias ~ '.') }}
{%- endmacro %}

{#- The score 1-5 of the person `alias` (a row of dim_customer) against the ends `ends` (a row
    of int_rfm_ends_found); null without a counted order. -#}
{% macro rfm_score(measure, key, alias, ends) -%}
    case when {{ alias }}.counted_orders > 0 then
        case
            {%- for bucket in range(1, 5) %}
            when ({{ rfm_key(key, alias) }}, {{ alias }}.customer_unique_id collate "C")
                <= ({{ ends }}.{{ measure }}_key_{{ bucket }}, {{ ends }}.{{ measure }}_id_{{ bucket }} collate "C")
                then {{ bucket }}
            {%- endfor %}
            else 5
        end
    end
{%- endmacro %}

{#- The rank of the last person of bucket `bucket` (1 to 4) of ntile(5) over `people` rows. -#}
{% macro ntile_end(people, bucket) -%}
    case
        when {{ bucket }} <= {{ people }} % 5
            then {{ bucket }} * ({{ people }} / 5 + 1)
        else ({{ people }} % 5) * ({{ people }} / 5 + 1)
            + ({{ bucket }} - {{ people }} % 5) * ({{ people }} / 5)
    end
{%- endmacro %}

{#- Pivot `<measure>_found_ends` (bucket, sort_key, customer_unique_id) into one row. -#}
{% macro rfm_pivot_ends(measure, type) -%}
{{ measure }}_ends_pivoted as (
    select
        {%- for bucket in range(1, 5) %}
        cast(max(case when ends.bucket = {{ bucket }} then ends.sort_key end) as {{ type }})
            as {{ measure }}_key_{{ bucket }},
        max(case when ends.bucket = {{ bucket }} then ends.customer_unique_id end)
            as {{ measure }}_id_{{ bucket }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ measure }}_found_ends as ends
)
{%- endmacro %}

{#- The full build: the bucket ends of the population `buyers` (customer_unique_id and the
    columns the keys read), without sorting every buyer. The people per key value (a hash
    aggregate) and their running total tell which key value holds each end and the end's
    rank among the people with that value. Within that value, the people per id prefix (the
    first three characters: a prefix sorts before another exactly when its ids do, in byte
    order) tell which prefix holds it, and only the people of that prefix are sorted by id.
    The frequency ends lie among the people with one order (935,000 of a million buyers),
    whose sort took 2 s of the build. Needs `population` (new_people). -#}
{% macro rfm_ends_from_population(measures, buyers='buyers') -%}
bucket_ends as (
    select
        buckets.bucket,
        {{ ntile_end('population.new_people', 'buckets.bucket') }} as end_rank
    from population
    cross join (values (1), (2), (3), (4)) as buckets (bucket)
),
{%- for measure, key, type in measures %}

{{ measure }}_keys as (
    select
        counts.sort_key,
        counts.people,
        sum(counts.people) over (order by counts.sort_key rows unbounded preceding)
            - counts.people as people_before
    from (
        select {{ key }} as sort_key, count(*) as people
        from {{ buyers }} as ranked
        group by {{ key }}
    ) as counts
),

{{ measure }}_ends as (
    select
        bucket_ends.bucket,
        keys.sort_key,
        bucket_ends.end_rank - keys.people_before as rank_in_key
    from {{ measure }}_keys as keys
    inner join bucket_ends
        on bucket_ends.end_rank > keys.people_before
        and bucket_ends.end_rank <= keys.people_before + keys.people
),

{{ measure }}_prefixes as (
    select
        counts.sort_key,
        counts.prefix,
        counts.people,
        sum(counts.people) over (
            partition by counts.sort_key order by counts.prefix collate "C"
            rows unbounded preceding
        ) - counts.people as people_before
    from (
        select
            {{ key }} as sort_key,
            left(ranked.customer_unique_id, 3) as prefix,
            count(*) as people
        from {{ buyers }} as ranked
        where {{ key }} in (select ends.sort_key from {{ measure }}_ends as ends)
        group by {{ key }}, left(ranked.customer_unique_id, 3)
    ) as counts
),

{{ measure }}_prefix_ends as (
    select
        ends.bucket,
        ends.sort_key,
        prefixes.prefix,
        ends.rank_in_key - prefixes.people_before as rank_in_prefix
    from {{ measure }}_ends as ends
    inner join {{ measure }}_prefixes as prefixes
        on ends.sort_key = prefixes.sort_key
        and ends.rank_in_key > prefixes.people_before
        and ends.rank_in_key <= prefixes.people_before + prefixes.people
),

{{ measure }}_found_ends as (
    select ends.bucket, ranked.sort_key, ranked.customer_unique_id
    from (
        select
            ranked.customer_unique_id,
            {{ key }} as sort_key,
            left(ranked.customer_unique_id, 3) as prefix,
            row_number() over (
                partition by {{ key }}, left(ranked.customer_unique_id, 3)
                order by ranked.customer_unique_id collate "C"
            ) as rank_in_prefix
        from {{ buyers }} as ranked
        where ({{ key }}, left(ranked.customer_unique_id, 3)) in (
            select ends.sort_key, ends.prefix from {{ measure }}_prefix_ends as ends
        )
    ) as ranked
    inner join {{ measure }}_prefix_ends as ends
        on ranked.sort_key = ends.sort_key
        and ranked.prefix = ends.prefix
        and ranked.rank_in_prefix = ends.rank_in_prefix
),

{{ rfm_pivot_ends(measure, type) }}{{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{#- A nightly build: the new bucket ends found from the stored ones, reading a few thousand
    people through the key indexes of `people` (dim_customer as the last build left it)
    instead of the whole population.

    A stored end is a cut in the order of (key, id): old_end(b) stored buyers lie at or
    before it. The new population is the stored one without the `replaced` rows (the stored
    versions of the changed people) and with the `fresh` ones (their new versions), so

        new rank of the cut = old_end(b)
            - replaced buyers at or before the cut
            + fresh buyers at or before the cut

    and the new end, at rank new_end(b), lies `steps` = new_end(b) - that rank people after
    the cut (steps > 0) or is the (1 - steps)-th at or before it (steps <= 0): a walk along
    the (key, id) index of `people` without the changed people, merged with the fresh
    buyers, of about as many people as the night changed.

    Needs: `stored_ends` (the stored row), `population` (old_people, new_people), `replaced`
    (stored) and `fresh` (new) rows of the changed people, with counted_orders and the
    columns the keys read. -#}
{% macro rfm_ends_from_stored(measures, people) -%}
bucket_ends as (
    select
        buckets.bucket,
        {{ ntile_end('population.old_people', 'buckets.bucket') }} as old_end,
        {{ ntile_end('population.new_people', 'buckets.bucket') }} as new_end
    from population
    cross join (values (1), (2), (3), (4)) as buckets (bucket)
),
{%- for measure, key, type in measures %}
{%- set stored_key = rfm_key(key, 'stored') %}
{%- set fresh_key = rfm_key(key, 'fresh') %}
{%- set replaced_key = rfm_key(key, 'replaced') %}

{{ measure }}_cuts as (
    select
        bucket_ends.bucket,
        cuts.sort_key,
        cuts.customer_unique_id,
        bucket_ends.new_end - (
            bucket_ends.old_end
            - (
                select count(*) from replaced
                where replaced.counted_orders > 0
                    and ({{ replaced_key }}, replaced.customer_unique_id collate "C")
                    <= (cuts.sort_key, cuts.customer_unique_id collate "C")
            )
            + (
                select count(*) from fresh
                where fresh.counted_orders > 0
                    and ({{ fresh_key }}, fresh.customer_unique_id collate "C")
                    <= (cuts.sort_key, cuts.customer_unique_id collate "C")
            )
        ) as steps
    from bucket_ends
    inner join (
        select unpivoted.*
        from stored_ends
        cross join lateral (
            values
            {%- for bucket in range(1, 5) %}
                ({{ bucket }}, stored_ends.{{ measure }}_key_{{ bucket }},
                    stored_ends.{{ measure }}_id_{{ bucket }}){{ ',' if not loop.last }}
            {%- endfor %}
        ) as unpivoted (bucket, sort_key, customer_unique_id)
    ) as cuts on cuts.bucket = bucket_ends.bucket
),

{{ measure }}_found_ends as (
    select cuts.bucket, walked.sort_key, walked.customer_unique_id
    from {{ measure }}_cuts as cuts
    cross join lateral (
        (
            select after.sort_key, after.customer_unique_id
            from (
                (
                    select {{ stored_key }} as sort_key, stored.customer_unique_id
                    from {{ people }} as stored
                    where ({{ stored_key }}, stored.customer_unique_id collate "C")
                        > (cuts.sort_key, cuts.customer_unique_id collate "C")
                        and stored.counted_orders > 0
                        and stored.customer_unique_id
                        not in (select fresh.customer_unique_id from fresh)
                    order by {{ stored_key }}, stored.customer_unique_id collate "C"
                    limit greatest(cuts.steps, 0)
                )
                union all
                (
                    select {{ fresh_key }} as sort_key, fresh.customer_unique_id
                    from fresh
                    where fresh.counted_orders > 0
                        and ({{ fresh_key }}, fresh.customer_unique_id collate "C")
                        > (cuts.sort_key, cuts.customer_unique_id collate "C")
                    order by {{ fresh_key }}, fresh.customer_unique_id collate "C"
                    limit greatest(cuts.steps, 0)
                )
            ) as after
            order by after.sort_key, after.customer_unique_id collate "C"
            offset greatest(cuts.steps - 1, 0)
            limit case when cuts.steps > 0 then 1 else 0 end
        )
        union all
        (
            select before.sort_key, before.customer_unique_id
            from (
                (
                    select {{ stored_key }} as sort_key, stored.customer_unique_id
                    from {{ people }} as stored
                    where ({{ stored_key }}, stored.customer_unique_id collate "C")
                        <= (cuts.sort_key, cuts.customer_unique_id collate "C")
                        and stored.counted_orders > 0
                        and stored.customer_unique_id
                        not in (select fresh.customer_unique_id from fresh)
                    order by {{ stored_key }} desc, stored.customer_unique_id collate "C" desc
                    limit greatest(1 - cuts.steps, 0)
                )
                union all
                (
                    select {{ fresh_key }} as sort_key, fresh.customer_unique_id
                    from fresh
                    where fresh.counted_orders > 0
                        and ({{ fresh_key }}, fresh.customer_unique_id collate "C")
                        <= (cuts.sort_key, cuts.customer_unique_id collate "C")
                    order by {{ fresh_key }} desc, fresh.customer_unique_id collate "C" desc
                    limit greatest(1 - cuts.steps, 0)
                )
            ) as before
            order by before.sort_key desc, before.customer_unique_id collate "C" desc
            offset greatest(-cuts.steps, 0)
            limit case when cuts.steps <= 0 then 1 else 0 end
        )
    ) as walked
),

{{ rfm_pivot_ends(measure, type) }}{{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{#- The newest batch behind the stored ends (`this`, a row of int_rfm_ends_found), when a
    night can walk from them along `people` (dim_customer as built): the row is there with
    every column, ranks buyers, and dim_customer's newest batch is the same. Else none. -#}
{% macro rfm_stored_watermark(people, measures) -%}
    {%- if people is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- set needed = ['buyers', 'last_batch_id'] -%}
    {%- for measure, _, _ in measures -%}
        {%- for bucket in range(1, 5) -%}
            {%- do needed.extend([measure ~ '_key_' ~ bucket, measure ~ '_id_' ~ bucket]) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for name in needed if name not in names -%}
        {{ return(none) }}
    {%- endfor -%}
    {%- set found = run_query(
        'select ends.buyers, ends.last_batch_id, (select coalesce(max(people.last_batch_id), -1) from '
        ~ people ~ ' as people) from ' ~ this ~ ' as ends'
    ) -%}
    {%- if found.rows | length != 1 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = found.rows[0] -%}
    {%- if row[0] is none or row[0] <= 0 or row[1] is none or row[1] != row[2] -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(row[1] | int) }}
{%- endmacro %}

{#- The newest batch behind dim_customer's people once it is built: that of either of its
    sources (a read of each one's batch index). -#}
{% macro rfm_newest_batch() -%}
    coalesce(greatest(
        (select max(people.last_batch_id) from {{ ref('int_customers_unified') }} as people),
        (select max(history.last_batch_id)
            from {{ ref('int_customer_orders_summarised') }} as history)
    ), -1)
{%- endmacro %}

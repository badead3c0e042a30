{#- The RFM bucket ends of dim_customer (BUSINESS_RULES.md, RFM scores), as CTEs.

    Each score is ntile(5) over the people with a counted order, ordered by the measure's key
    and then customer_unique_id in byte order (collate "C"). ntile(5) over n rows makes
    buckets of n / 5 rows, the first n mod 5 of them one row larger, so a person's bucket is
    fixed by the last (key, id) of each of the first four buckets: its end. Both macros below
    write one `<measure>_bounds` CTE per measure, one row with key_1 .. key_4 and id_1 ..
    id_4, which dim_customer compares every scored person with.

    `measures` is a list of (name, key) pairs; a key is SQL over the alias `ranked.`. -#}

{#- The rank of the last person of bucket `bucket` (1 to 4) of ntile(5) over `people` rows. -#}
{% macro ntile_end(people, bucket) -%}
    case
        when {{ bucket }} <= {{ people }} % 5
            then {{ bucket }} * ({{ people }} / 5 + 1)
        else ({{ people }} % 5) * ({{ people }} / 5 + 1)
            + ({{ bucket }} - {{ people }} % 5) * ({{ people }} / 5)
    end
{%- endmacro %}

{%- macro rfm_key(key, alias) -%}
    {{ key | replace('ranked.', alias ~ '.') }}
{%- endmacro %}

{#- Pivot `<measure>_ends` (bucket, sort_key, customer_unique_id) into `<measure>_bounds`. -#}
{% macro rfm_pivot_ends(measure) -%}
{{ measure }}_bounds as (
    select
        {%- for bucket in range(1, 5) %}
        max(case when ends.bucket = {{ bucket }} then ends.sort_key end) as key_{{ bucket }},
        max(case when ends.bucket = {{ bucket }} then ends.customer_unique_id end)
            as id_{{ bucket }}{{ ',' if not loop.last }}
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
    whose sort took 2 s of the build. -#}
{% macro rfm_bounds_from_population(measures, buyers='buyers') -%}
bucket_ends as (
    select
        buckets.bucket,
        {{ ntile_end('population.people', 'buckets.bucket') }} as end_rank
    from (select count(*) as people from {{ buyers }}) as population
    cross join (values (1), (2), (3), (4)) as buckets (bucket)
),
{%- for measure, key in measures %}

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

{{ rfm_pivot_ends(measure) }}{{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{#- A nightly build: the new bucket ends found from the stored ones, reading a few thousand
    rows through the score indexes instead of the whole population.

    The stored table is scored consistently: the people of bucket b are exactly those whose
    (key, id) lies after the end of bucket b - 1 and up to the end of bucket b. So the last
    stored person with score <= b (the `anchor`, one step back along the index on (score,
    key, id)) is the old end of bucket b, and old_end(b) stored buyers lie at or before it.
    The new population is the stored one without the `replaced` rows (the stored versions of
    the changed people) and with the `fresh` ones (their new versions), so

        new rank of the anchor = old_end(b)
            - replaced rows with score <= b
            + fresh buyers at or before the anchor

    and the new end, at rank new_end(b), lies `steps` = new_end(b) - that rank people after
    the anchor (steps > 0) or 1 - steps people back from it (steps <= 0): a walk along the
    same index, merged with the fresh buyers, of about as many people as the night changed.

    Needs: `population` (old_people, new_people), `replaced` (customer_unique_id and the
    stored scores of the changed people) and `fresh` (their rows as computed now, with
    counted_orders), `changed` (their ids). -#}
{% macro rfm_bounds_from_stored(measures) -%}
bucket_ends as (
    select
        buckets.bucket,
        {{ ntile_end('population.old_people', 'buckets.bucket') }} as old_end,
        {{ ntile_end('population.new_people', 'buckets.bucket') }} as new_end
    from population
    cross join (values (1), (2), (3), (4)) as buckets (bucket)
),
{%- for measure, key in measures %}
{%- set stored_key = rfm_key(key, 'stored') %}
{%- set fresh_key = rfm_key(key, 'fresh') %}

{{ measure }}_anchors as (
    select
        bucket_ends.bucket,
        anchor.sort_key,
        anchor.customer_unique_id,
        bucket_ends.new_end - (
            bucket_ends.old_end
            - (
                select count(*) from replaced
                where replaced.{{ measure }}_score <= bucket_ends.bucket
            )
            + (
                select count(*) from fresh
                where fresh.counted_orders > 0
                    and ({{ fresh_key }}, fresh.customer_unique_id collate "C")
                    <= (anchor.sort_key, anchor.customer_unique_id collate "C")
            )
        ) as steps
    from bucket_ends
    left join lateral (
        select {{ stored_key }} as sort_key, stored.customer_unique_id
        from {{ this }} as stored
        where stored.{{ measure }}_score <= bucket_ends.bucket
        order by
            stored.{{ measure }}_score desc,
            {{ stored_key }} desc,
            stored.customer_unique_id collate "C" desc
        limit 1
    ) as anchor on true
),

{{ measure }}_found_ends as (
    select anchors.bucket, walked.sort_key, walked.customer_unique_id
    from {{ measure }}_anchors as anchors
    cross join lateral (
        (
            select after.sort_key, after.customer_unique_id
            from (
                (
                    select {{ stored_key }} as sort_key, stored.customer_unique_id
                    from {{ this }} as stored
                    where stored.{{ measure }}_score > anchors.bucket
                        and stored.customer_unique_id
                        not in (select changed.customer_unique_id from changed)
                    order by
                        stored.{{ measure }}_score,
                        {{ stored_key }},
                        stored.customer_unique_id collate "C"
                    limit greatest(anchors.steps, 0)
                )
                union all
                (
                    select {{ fresh_key }} as sort_key, fresh.customer_unique_id
                    from fresh
                    where fresh.counted_orders > 0
                        and (
                            anchors.customer_unique_id is null
                            or ({{ fresh_key }}, fresh.customer_unique_id collate "C")
                            > (anchors.sort_key, anchors.customer_unique_id collate "C")
                        )
                    order by {{ fresh_key }}, fresh.customer_unique_id collate "C"
                    limit greatest(anchors.steps, 0)
                )
            ) as after
            order by after.sort_key, after.customer_unique_id collate "C"
            offset greatest(anchors.steps - 1, 0)
            limit case when anchors.steps > 0 then 1 else 0 end
        )
        union all
        (
            select before.sort_key, before.customer_unique_id
            from (
                (
                    select {{ stored_key }} as sort_key, stored.customer_unique_id
                    from {{ this }} as stored
                    where stored.{{ measure }}_score <= anchors.bucket
                        and stored.customer_unique_id
                        not in (select changed.customer_unique_id from changed)
                    order by
                        stored.{{ measure }}_score desc,
                        {{ stored_key }} desc,
                        stored.customer_unique_id collate "C" desc
                    limit greatest(1 - anchors.steps, 0)
                )
                union all
                (
                    select {{ fresh_key }} as sort_key, fresh.customer_unique_id
                    from fresh
                    where fresh.counted_orders > 0
                        and ({{ fresh_key }}, fresh.customer_unique_id collate "C")
                        <= (anchors.sort_key, anchors.customer_unique_id collate "C")
                    order by {{ fresh_key }} desc, fresh.customer_unique_id collate "C" desc
                    limit greatest(1 - anchors.steps, 0)
                )
            ) as before
            order by before.sort_key desc, before.customer_unique_id collate "C" desc
            offset greatest(-anchors.steps, 0)
            limit case when anchors.steps <= 0 then 1 else 0 end
        )
    ) as walked
),

{{ rfm_pivot_ends(measure) }}{{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{#- The stored people whose bucket the new ends change: of bucket b and after its new end,
    or of bucket b + 1 and at or before it (range reads of the score indexes). Each branch
    selects `columns` of the stored row, and ends with a `union` (a person may be found by
    several). -#}
{% macro rfm_movers(measures, columns) -%}
{%- for measure, key in measures %}
{%- set stored_key = rfm_key(key, 'stored') %}
{%- for bucket in range(1, 5) %}
{%- for side, score, comparison in [('after', bucket, '>'), ('before', bucket + 1, '<=')] %}
    select {{ columns }}
    from {{ this }} as stored
    cross join {{ measure }}_bounds as bounds
    where stored.{{ measure }}_score = {{ score }}
        and ({{ stored_key }}, stored.customer_unique_id collate "C")
        {{ comparison }} (bounds.key_{{ bucket }}, bounds.id_{{ bucket }} collate "C")
    union
{%- endfor %}
{%- endfor %}
{%- endfor %}
{%- endmacro %}

{#- The marketplace as a whole, per leaderboard period and seller state: the sellers with a
    sale and the sums of their counts. The sellers dashboard reads a seller against these
    (sums over the states picked, then divided) without summing the whole leaderboard. A
    seller has one state, so sellers add up over states. Small (periods x states): rebuilt
    in full on every build. -#}
select
    leaderboard.period,
    leaderboard.period_kind,
    leaderboard.seller_state,
    min(leaderboard.first_month) as first_month,
    max(leaderboard.last_month) as last_month,
    cast(count(*) as bigint) as sellers,
    {{ money('sum(leaderboard.seller_revenue)') }} as seller_revenue,
    cast(sum(leaderboard.items) as bigint) as items,
    cast(sum(leaderboard.orders) as bigint) as orders,
    cast(sum(leaderboard.reviewed_orders) as bigint) as reviewed_orders,
    cast(sum(leaderboard.review_score_sum) as bigint) as review_score_sum,
    cast(sum(leaderboard.delivered_orders) as bigint) as delivered_orders,
    cast(sum(leaderboard.on_time_orders) as bigint) as on_time_orders,
    cast(sum(leaderboard.late_shipments) as bigint) as late_shipments
from {{ ref('mart_seller_leaderboard') }} as leaderboard
group by leaderboard.period, leaderboard.period_kind, leaderboard.seller_state

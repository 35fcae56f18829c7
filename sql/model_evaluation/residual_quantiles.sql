-- Split-conformal half-widths of every partition of the held-out rows (grouping sets): all rows ('all'), each hash
-- half ('half'), and with a conformal group each of its levels ('group') and each half × level ('half_group', part
-- `half|level`). A partition's half-width is its k-th smallest absolute residual with k = ceil((n + 1) · level), the
-- finite-sample correction that makes the interval cover a new exchangeable row with probability at least level. A
-- partition too small for k ≤ n has no row here (its interval would be unbounded).
-- The k-th smallest is the (n - k + 1)-th largest: each partition keeps only its m largest residuals (max(x, m), a
-- bounded heap; m the most any partition needs, ~(1 - level) · n), not a list of all of them to sort, so the
-- statement's memory is a fraction of the rows' and the value picked is the same.
-- absent: which of half (2) and the group (1) a row of `partitions` is not split by.
with
counts as (
    select count(*) as n
    from eval_residuals
    group by grouping sets ({{grouping_sets}})
),
kept as (
    select greatest(coalesce(max(n - ceil((n + 1) * $level) + 1), 1), 1)::bigint as m
    from counts
),
partitions as (
    select
        2 * grouping(half) + {{group_absent}} as absent,
        half,
        {{group_column}} as grp,
        count(*) as n,
        max(abs_residual, (select m from kept)) as largest_residuals
    from eval_residuals
    group by grouping sets ({{grouping_sets}})
),
labelled as (
    select
        case absent when 3 then 'all' when 1 then 'half' when 2 then 'group' else 'half_group' end as partition,
        case absent when 3 then 'all' when 1 then half when 2 then grp else half || '|' || grp end as part,
        n,
        ceil((n + 1) * $level) as k,
        largest_residuals
    from partitions
)
select partition, part, n, list_extract(largest_residuals, (n - k + 1)::bigint) as half_width
from labelled
where k <= n
order by partition, part

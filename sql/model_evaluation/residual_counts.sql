-- How many held-out rows each partition of the split-conformal calibration has (all rows, each hash half, and with a
-- conformal group each level and each half × level), with and without a residual, and the normal-theory interval's
-- coverage of all rows and of each level (a pooled residual variance can cover 90% overall while covering one level
-- fully and another far less). The counts give each partition's k = ceil((n + 1) · level) before residual_quantiles
-- reads its k-th smallest residual, and how many of each partition's residuals are below $lower_bound (none when it
-- is null), the bound under which residual_quantiles may leave the residuals out. Coverages are averages of 0/1,
-- exact in any row order, so this runs in parallel.
select
    {{all_levels}} as all_levels,
    {{group_column}} as grp,
    count(*) as n,
    count(*) filter (where half = 0) as n_half_0,
    count(*) filter (where half = 1) as n_half_1,
    count(abs_residual) as m,
    count(abs_residual) filter (where half = 0) as m_half_0,
    count(abs_residual) filter (where half = 1) as m_half_1,
    count(*) filter (where abs_residual < $lower_bound) as below,
    count(*) filter (where half = 0 and abs_residual < $lower_bound) as below_half_0,
    count(*) filter (where half = 1 and abs_residual < $lower_bound) as below_half_1,
    avg(normal_covered::integer) as normal_coverage
from {{residuals}}
group by grouping sets ({{grouping_sets}})
order by all_levels desc, grp

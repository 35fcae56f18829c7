-- Split-conformal half-widths of every partition of the held-out rows in one pass: for all rows and (with a conformal
-- group) each level, the partition's own and each hash half's. A partition's half-width is its k-th smallest absolute
-- residual with k = ceil((n + 1) · level), the finite-sample correction that makes the interval cover a new
-- exchangeable row with probability at least level; k comes from residual_counts.sql, and quantile_disc at
-- q = (k - 1/2) / m (m: the partition's rows with a residual) returns exactly the k-th smallest of the m values
-- (DuckDB takes the element at ceil(m · q)), found by selection rather than a sort. Every partition's q is in
-- $quantiles, and each aggregate returns the values at all of them; the caller takes the one of its partition.
-- With $lower_bound (not null), only the residuals at or above it are read: a partition with b of its m residuals
-- below the bound and b < k has its k-th smallest among them as the (k - b)-th smallest of the m - b others, at
-- q = (k - b - 1/2) / (m - b) (the caller gives that q, and a null bound where some partition has b ≥ k). The same
-- value, found among far fewer: the bound is well below the level's quantile of the residuals, so most are left out.
select
    {{all_levels}} as all_levels,
    {{group_column}} as grp,
    quantile_disc(abs_residual, from_json($quantiles, '["DOUBLE"]')) as at_quantiles,
    quantile_disc(abs_residual, from_json($quantiles, '["DOUBLE"]')) filter (where half = 0) as half_0_at_quantiles,
    quantile_disc(abs_residual, from_json($quantiles, '["DOUBLE"]')) filter (where half = 1) as half_1_at_quantiles
from {{residuals}}
where $lower_bound is null or abs_residual >= $lower_bound
group by grouping sets ({{grouping_sets}})
order by all_levels desc, grp

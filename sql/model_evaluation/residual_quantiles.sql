-- Split-conformal half-widths: per partition of the held-out rows (all, a categorical's levels, a hash half),
-- the k-th smallest absolute residual with k = ceil((n + 1) · level), the finite-sample correction that makes
-- the interval cover a new exchangeable row with probability at least level. A partition too small for
-- k ≤ n has no row here (its interval would be unbounded).
with
residuals as (
    select
        abs(e.actual - e.prediction) as abs_residual,
        {{partition}} as part
    from {{intervals_table}} e
    join {{test_view}} t on t.batch_id = e.batch_id and t.source_row = e.source_row
    where e.actual is not null
),
ranked as (
    select
        part,
        abs_residual,
        row_number() over (partition by part order by abs_residual) as rn,
        count(*) over (partition by part) as n
    from residuals
)
select part::varchar as part, n, abs_residual as half_width
from ranked
where rn = ceil((n + 1) * $level)
order by part

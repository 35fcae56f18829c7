-- Split-conformal half-widths: per partition of the held-out rows (all, a categorical's levels, a hash half),
-- the k-th smallest absolute residual with k = ceil((n + 1) · level), the finite-sample correction that makes
-- the interval cover a new exchangeable row with probability at least level. A partition too small for
-- k ≤ n has no row here (its interval would be unbounded).
with ranked as (
    select
        {{partition}} as part,
        abs_residual,
        row_number() over (partition by {{partition}} order by abs_residual) as rn,
        count(*) over (partition by {{partition}}) as n
    from eval_residuals
)
select part::varchar as part, n, abs_residual as half_width
from ranked
where rn = ceil((n + 1) * $level)
order by part

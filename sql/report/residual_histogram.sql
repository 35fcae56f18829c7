-- Histogram of all test residuals (actual - prediction) on equal-width bins over their 0.1%–99.9% range.
with
res as (
    select actual - prediction as r
    from {{predictions_table}}
    where actual is not null and prediction is not null and isfinite(actual - prediction)
),
bounds as (select quantile_cont(r, 0.001) as lo, quantile_cont(r, 0.999) as hi from res),
binned as (
    select coalesce(least(greatest(floor((r - lo) / nullif(hi - lo, 0) * $bins), 0), $bins - 1), 0)::integer as bin, lo, hi
    from res, bounds
)
select
    bin,
    any_value(lo) + bin * (any_value(hi) - any_value(lo)) / $bins as bin_start,
    any_value(lo) + (bin + 1) * (any_value(hi) - any_value(lo)) / $bins as bin_end,
    count(*)::bigint as n
from binned
group by bin
order by bin

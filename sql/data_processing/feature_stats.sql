-- One row per numeric feature: the statistics that are stored and, in training, fitted.
with
input_rows as ({{input_rows}}),
feature_values as (select {{numeric_features}} from input_rows),
long_values as (from feature_values unpivot include nulls (v for feature in ({{numeric_names}})))
select
    feature,
    count(v) as n,
    count(*) - count(v) as nulls,
    avg(v) as mean,
    coalesce(stddev_samp(v), 0) as std,
    min(v) as min,
    max(v) as max,
    quantile_cont(v, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]) as quantiles,
    quantile_cont(v, $clip_lo) as clip_lo,
    quantile_cont(v, $clip_hi) as clip_hi
from long_values
group by feature

-- Histograms of every numeric feature in the reference sample and in the batch, on shared equal-width bins.
-- The range is the pooled 0.1%–99.9% quantiles, so a few outliers do not squash the rest; values beyond it
-- are counted in the first or last bin.
with
ref as (unpivot (select {{reference_columns}} from {{reference_table}}) on columns(*) into name feature value v),
cur as (unpivot (select {{current_features}} from raw_data where batch_id = $batch_id) on columns(*) into name feature value v),
pooled as (
    select feature, v, 'reference' as sample from ref where isfinite(v)
    union all
    select feature, v, 'current' as sample from cur where isfinite(v)
),
bounds as (
    select feature, quantile_cont(v, 0.001) as lo, quantile_cont(v, 0.999) as hi
    from pooled
    group by feature
),
binned as (
    select
        p.feature,
        p.sample,
        b.lo,
        b.hi,
        coalesce(least(greatest(floor((p.v - b.lo) / nullif(b.hi - b.lo, 0) * $bins), 0), $bins - 1), 0)::integer as bin
    from pooled p
    join bounds b using (feature)
)
select
    feature,
    sample,
    bin,
    any_value(lo) + bin * (any_value(hi) - any_value(lo)) / $bins as bin_start,
    any_value(lo) + (bin + 1) * (any_value(hi) - any_value(lo)) / $bins as bin_end,
    count(*)::bigint as n
from binned
group by feature, sample, bin
order by feature, sample, bin

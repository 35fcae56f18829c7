-- Per-feature quantiles (and clipping quantiles) over a seeded hash sample of about $sample_size input
-- rows: quantiles describe a distribution and bound outliers, and a sample gives them to well within
-- their own sampling error at a fraction of the cost of sorting every row. The describing quantiles and the two
-- clipping quantiles are one aggregate (one copy of each feature's sampled values, each quantile interpolated as a
-- quantile of its own would be), split into their columns after. {{fit_rows}}: the rows fitted on (a training's side
-- of the split), tested after the sample's hash, so on the sampled rows only.
with
sampled as (
    select {{numeric_features}}
    from ({{input_rows}})
    where hash(batch_id, source_row) % 1000000 < $keep_per_million and {{fit_rows}}
),
long_values as (from sampled unpivot (v for feature in ({{numeric_names}}))),
feature_quantiles as (
    select
        feature,
        count(v) as n_sample,
        quantile_cont(v, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, $clip_lo, $clip_hi]) as all_quantiles
    from long_values
    group by feature
)
select
    feature,
    n_sample,
    all_quantiles[1:7] as quantiles,
    all_quantiles[8] as clip_lo,
    all_quantiles[9] as clip_hi
from feature_quantiles

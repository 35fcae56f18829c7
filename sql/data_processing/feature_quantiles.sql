-- Per-feature quantiles (and clipping quantiles) over a seeded hash sample of about $sample_size input
-- rows: quantiles describe a distribution and bound outliers, and a sample gives them to well within
-- their own sampling error at a fraction of the cost of sorting every row.
with
sampled as (
    select {{numeric_features}}
    from ({{input_rows}})
    where hash(batch_id, source_row) % 1000000 < $keep_per_million
),
long_values as (from sampled unpivot (v for feature in ({{numeric_names}})))
select
    feature,
    count(v) as n_sample,
    quantile_cont(v, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]) as quantiles,
    quantile_cont(v, $clip_lo) as clip_lo,
    quantile_cont(v, $clip_hi) as clip_hi
from long_values
group by feature

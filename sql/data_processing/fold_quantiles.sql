-- Per-feature quantiles (and clipping quantiles) of a training run over the same hash sample of its training rows as
-- feature_quantiles.sql (the rows whose hash(batch_id, source_row) % 1000000 < $keep_per_million), taken from the
-- superset of it its one pass collected (fold_sums_cells.sql) instead of another scan of the rows: the same values,
-- so the same quantiles.
with
sampled_rows as (
    select unnest(sample_buckets) as bucket, unnest(sample_values) as sample_value
    from {{cells_table}}
),
sampled as (
    select {{sample_columns}}
    from sampled_rows
    where bucket < $keep_per_million
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

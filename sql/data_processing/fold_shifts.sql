-- The shifts a training run's one pass (fold_sums_cells.sql) takes its sums around: the means of the target and of
-- each numeric feature over the training rows of a few cells of raw_data spread over the whole input (so that a
-- trend over time does not put the shifts off-centre; every cell where those have no training rows).
-- A shift near the mean keeps the sums' digits (the exact moments follow by algebra). Run on one thread, so the same
-- shifts run to run (about 8 cells' rows: a small share of the pass). {{rows}}: those cells' training rows, each cell
-- read by its range of rowids (union all, in cell order), or every training row.
with
sampled as (
    select *, {{calendar_parts}}
    from ({{rows}})
),
feature_values as (
    select {{numeric_features}}, {{target}} as __y
    from sampled
)
select
    {{means}}
from feature_values

-- The training rows' mean target: the sums below are taken around it, so a target far from zero keeps its digits.
-- Summed per cell (row group of raw_data) in parallel, then over the cells in cell order: bit-identical run to run.
with cells as (
    select __row_group, count({{target}}) as n, sum({{target}}) as s
    from {{train_view}}
    group by __row_group
)
select coalesce(sum(s order by __row_group) / nullif(sum(n), 0), 0) as y_shift
from cells

-- The processing's statistics of a training run from its one pass (fold_sums_cells.sql), over the training side of
-- the split: the rows, the target's and each numeric feature's count and sums around their shifts (mean and variance
-- follow exactly), min and max. Added up on one thread over the cells' table, which is in cell order: bit-identical
-- run to run.
select
    coalesce(sum(n), 0)::bigint as rows_total,
    coalesce(sum(sum_v), 0) as sum_v,
    coalesce(sum(sum_vv), 0) as sum_vv,
    {{moments}}
from {{cells_table}}
where not is_test

-- The shifts a training run's one pass (fold_sums_cells.sql) takes its sums around: the medians of the target and of
-- each numeric feature over the training rows of the first $cells cells of raw_data (one; all where it has none: a
-- median does not depend on the order of the rows). Any value near the mean keeps the sums' digits; the exact moments
-- follow by algebra.
select
    {{medians}}
from ({{input_rows}})
where __row_group < $cells

-- Sufficient statistics of the training rows, one row per combination of category levels:
-- n, Σy, Σy², and Σx, Σxy, Σxx' over the numeric features, with y taken around $y_shift (the training
-- mean) and x already centred by processing, so no sum of large squares cancels. The dummy columns are
-- constant within a group, so the full XᵀX is assembled from these few rows in TypeScript; memory does
-- not grow with n.
with shifted as (
    select *, {{target}} - $y_shift as __y
    from {{train_view}}
)
select
    {{group_columns}}
    count(*) as n,
    sum(__y) as sum_y,
    sum(__y * __y) as sum_yy,
    {{sums}}
from shifted
group by all
order by all

-- Sufficient statistics of the training rows, one row per combination of category levels:
-- n, Σy, Σy², and Σx, Σxy, Σxx' over the numeric features. The dummy columns are constant within a
-- group, so the full XᵀX is assembled from these few rows in TypeScript; memory does not grow with n.
select
    {{group_columns}}
    count(*) as n,
    sum({{target}}) as sum_y,
    sum({{target}} * {{target}}) as sum_yy,
    {{sums}}
from {{train_view}}
group by all
order by all

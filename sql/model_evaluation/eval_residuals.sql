-- The held-out rows' absolute residuals, once, for the interval statistics below: each row's hash half (for
-- the cross-fit), its level of the conformal group (if any), and whether the normal interval covered it.
create or replace temp table eval_residuals as
select
    abs(e.actual - e.prediction) as abs_residual,
    (hash(e.batch_id, e.source_row) % 2)::varchar as half,
    {{group_value}}::varchar as grp,
    (e.actual between e.prediction_lower and e.prediction_upper) as normal_covered
from {{intervals_table}} e
{{group_join}}
where e.actual is not null

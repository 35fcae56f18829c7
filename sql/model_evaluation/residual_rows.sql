-- The held-out rows' absolute residuals, for the interval statistics: each row's hash half (0 or 1, for the
-- cross-fit), its level of the conformal group (if any), and whether the normal interval covered it. Read as a
-- subquery by each of the statistics below (residual_counts, residual_quantiles, interval_coverage), or, with a
-- conformal group, whose level is joined from the test view, made once into a temp table (eval_residuals.sql).
select
    abs(e.actual - e.prediction) as abs_residual,
    (hash(e.batch_id, e.source_row) % 2)::integer as half,
    {{group_value}}::varchar as grp,
    (e.actual between e.prediction_lower and e.prediction_upper) as normal_covered
from {{intervals_table}} e
{{group_join}}
where e.actual is not null

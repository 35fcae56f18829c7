-- The active model's predictions on the test rows, read from raw_data by the run's input filter and split predicate
-- ({{test_rows}}: the rows its test view selects, in raw_data's order) rather than joined to them: a filter and
-- projections written by one order-preserving parallel pass, so the temp table keeps raw_data's order, the order of
-- the intervals table. The active model sees the rows through its own processing (its features, levels, scaling and
-- bounds), replayed from their raw values. eval_metrics.sql checks, row by row, that these are the test rows.
create or replace temp table eval_active as
with
active_raw as (
    select batch_id, source_row, {{active_raw_features}}
    from ({{test_rows}})
),
active_ready as (
    select batch_id, source_row, {{active_model_ready}}
    from active_raw
)
select batch_id, source_row, {{active_prediction}} as active_prediction
from active_ready

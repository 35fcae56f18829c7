-- A refit's evaluation predictions: the gated model's test rows, each with the refit's own prediction (from the
-- refit's processed rows) as `prediction` and the gated model's held-out one as `gated_prediction`. Drift detection
-- compares later batches with what the serving model does on these rows: the refit learned them, so its predictions
-- and errors there, not the gated model's, are what a batch like them should look like. The gated model's metrics
-- stay in model_evaluation_metadata (predictions_table names the gated table). Stored in file order.
create table {{predictions_table}} as
select
    g.batch_id,
    g.source_row,
    {{gated_key_columns}},
    g.actual,
    {{refit_prediction}} as prediction,
    null::double as active_prediction,
    g.prediction as gated_prediction
from {{gated_predictions_table}} g
join {{processed_table}} p on p.batch_id = g.batch_id and p.source_row = g.source_row
order by g.batch_id, g.source_row

-- A deterministic sample of at most $limit test rows (by a hash of the row id): actual, prediction, residual.
select actual, prediction, actual - prediction as residual
from {{predictions_table}}
where actual is not null and prediction is not null
order by hash(batch_id, source_row), batch_id, source_row
limit $limit

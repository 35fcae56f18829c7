-- The refit's evaluation predictions are the gated model's (drift detection compares batches with them).
create or replace view {{predictions_table}} as
select *
from {{gated_predictions_table}}

-- The newest batch in raw_data: a training run's processed view reads the rows of batches up to it, in the version
-- that was the latest then, so rows ingested later do not change what the run trained on.
select coalesce(max(batch_id), 0) as pin_batch
from raw_data

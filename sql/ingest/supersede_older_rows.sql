-- A labelled row of this batch supersedes older rows with the same key: training reads only the latest
-- labelled version of a row (superseded_by is null), without a de-duplicating sort over all history.
update raw_data as r
set superseded_by = $batch_id
from (
    select {{key_columns}}
    from raw_data
    where batch_id = $batch_id and {{target}} is not null
) as n
where r.batch_id < $batch_id
  and r.superseded_by is null
  and {{key_match}}
